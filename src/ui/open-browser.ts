import { spawn } from 'node:child_process';

/**
 * Opens a URL in the desktop's browser: `$BROWSER` when set (the convention xdg-open and Python's
 * webbrowser honour: a command, or several separated by ':', with `%s` for the URL, else the URL as
 * its last argument), otherwise the platform's opener (xdg-open, open, start). Says so when none runs.
 */
export function openBrowser(url: string, warn: (message: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  const [command, args] = browserCommand(url, env);
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.once('error', (err) => warn(`could not open a browser (${command}: ${err.message}); open the URL yourself`));
  child.unref();
}

/** The command and arguments that open `url`: the first `$BROWSER` entry, or the platform's opener. */
export function browserCommand(url: string, env: NodeJS.ProcessEnv): [string, string[]] {
  const first = env.BROWSER?.split(':').find((c) => c.trim() !== '');
  if (first) {
    const words = first.trim().split(/\s+/);
    const rest = words.slice(1);
    const args = rest.map((w) => w.replaceAll('%s', url));
    return [words[0]!, rest.some((w) => w.includes('%s')) ? args : [...args, url]];
  }
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '', url]];
  return ['xdg-open', [url]];
}
