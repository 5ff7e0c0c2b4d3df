// Which command `packyard ui --open` runs: $BROWSER first (the convention xdg-open and Python's
// webbrowser follow), else the platform's opener. The browser test runs it for real through $BROWSER.
import { browserCommand } from '../../src/ui/open-browser.js';

const URL = 'http://127.0.0.1:8090/?token=abc';

describe('browserCommand', () => {
  it('runs $BROWSER with the URL as its last argument, or in place of %s', () => {
    expect(browserCommand(URL, { BROWSER: 'firefox' })).toEqual(['firefox', [URL]]);
    expect(browserCommand(URL, { BROWSER: 'firefox --new-tab' })).toEqual(['firefox', ['--new-tab', URL]]);
    expect(browserCommand(URL, { BROWSER: 'chromium --app=%s --incognito' })).toEqual([
      'chromium',
      [`--app=${URL}`, '--incognito'],
    ]);
  });

  it('takes the first of several commands separated by ":"', () => {
    expect(browserCommand(URL, { BROWSER: ':w3m:lynx' })).toEqual(['w3m', [URL]]);
  });

  it("uses the platform's opener when $BROWSER is unset or empty", () => {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
    expect(browserCommand(URL, {})[0]).toBe(opener);
    expect(browserCommand(URL, { BROWSER: '' })[0]).toBe(opener);
  });
});
