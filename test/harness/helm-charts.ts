export * from '../../src/local/helm-charts.js';
