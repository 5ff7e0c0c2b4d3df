import { indexUrl } from '../../src/sources/helm-repository.js';

describe('indexUrl', () => {
  it("joins index.yaml to the URL's path as Go's path.Join does, keeping the query and dropping a fragment", () => {
    expect(indexUrl('https://charts.example.com')).toBe('https://charts.example.com/index.yaml');
    expect(indexUrl('https://charts.example.com/stable/')).toBe('https://charts.example.com/stable/index.yaml');
    expect(indexUrl('https://charts.example.com//a//b//')).toBe('https://charts.example.com/a/b/index.yaml');
    expect(indexUrl('https://acct.blob.core.windows.net/charts?sv=2024&sig=a%2Fb')).toBe(
      'https://acct.blob.core.windows.net/charts/index.yaml?sv=2024&sig=a%2Fb',
    );
    expect(indexUrl('http://127.0.0.1:8879/charts#top')).toBe('http://127.0.0.1:8879/charts/index.yaml');
  });
});
