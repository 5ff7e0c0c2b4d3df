import { once } from 'node:events';
import { HELP_OPTION, stringValue } from '../args.js';
import { connect } from '../cluster.js';
import type { Command } from '../context.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { DEFAULT_OPERATOR_NAMESPACE } from '../../api/names.js';

export const uiCommand: Command = {
  spec: {
    name: 'ui',
    summary: 'Browse registries, the catalogue and profiles, and compose a profile, in a local web page',
    usage: '[--port N] [--open] [flags]',
    description: [
      'Serves a web page on 127.0.0.1 that reads the cluster with your kubeconfig (so your RBAC applies) and',
      'updates live as the watches report changes: registries with sync-now, the catalogue of packs and versions,',
      'each profile with its resolution and updates, and a composer that resolves a profile as you write it with',
      "the operator's resolver and values step (the chosen versions' files read, cached as for `resolve`). The URL",
      'printed holds a random token; nothing answers without it. --open opens it with $BROWSER when set, else the',
      "desktop's opener (xdg-open, open, start).",
      'Buttons that write (sync now, update, apply) are disabled, with the reason, when RBAC forbids them.',
      '',
      'Runs until interrupted (Ctrl-C). Exit status: 2 usage error, 4 the cluster could not be reached.',
    ].join('\n'),
    options: {
      port: { type: 'string', value: 'N', description: 'Port on 127.0.0.1 (default: any free port).' },
      open: { type: 'boolean', description: "Open the page in the desktop's browser." },
      kubeconfig: {
        type: 'string',
        value: 'FILE',
        description: 'The kubeconfig to use (default $KUBECONFIG, ~/.kube/config).',
      },
      context: { type: 'string', value: 'NAME', description: 'The kubeconfig context to use.' },
      namespace: {
        type: 'string',
        short: 'n',
        value: 'NS',
        description: `The operator's namespace, where registry Secrets live (default ${DEFAULT_OPERATOR_NAMESPACE}).`,
      },
      ...HELP_OPTION,
    },
    examples: ['ui', 'ui --port 8090 --open', 'ui --context staging'],
  },

  async run(ctx, values, positionals) {
    if (positionals.length > 0) throw new UsageError(`ui takes no arguments, got "${positionals.join(' ')}"`);
    const portText = stringValue(values, 'port') ?? '0';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535)
      throw new UsageError(`--port must be a port number (0 for any), not "${portText}"`);
    const client = connect({
      namespace: '',
      kubeconfig: stringValue(values, 'kubeconfig'),
      context: stringValue(values, 'context'),
      env: ctx.env,
    });
    try {
      await client.request('GET', '/version', { signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new CliError(`the cluster is unreachable: ${(err as Error).message}`, EXIT.REGISTRY_UNREACHABLE);
    } finally {
      await client.close();
    }
    const [{ UiServer }, { contentCacheDir }] = await Promise.all([
      import('../../ui/server.js'),
      import('../values-check.js'),
    ]);
    const server = new UiServer({
      kubeConfig: client.kubeConfig,
      port,
      namespace: stringValue(values, 'namespace') ?? DEFAULT_OPERATOR_NAMESPACE,
      contentCacheDir: contentCacheDir(ctx.env),
    });
    try {
      await server.start();
    } catch (err) {
      await server.close().catch(() => {});
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on 127.0.0.1 is in use`);
      throw err;
    }
    ctx.out(`${server.url}\n`);
    ctx.err('packyard ui: open the URL above (it holds the token); Ctrl-C stops\n');
    if (values.open === true)
      (await import('../../ui/open-browser.js')).openBrowser(server.url, (m) => ctx.err(`warning: ${m}\n`), ctx.env);
    if (!ctx.signal.aborted) await once(ctx.signal, 'abort');
    await server.close();
    return EXIT.OK;
  },
};
