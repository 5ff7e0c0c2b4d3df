// Jest globalTeardown: stops the control plane global-setup started (same process, same globalThis).
export default async function globalTeardown(): Promise<void> {
  const cp = globalThis.__packyardControlPlane;
  globalThis.__packyardControlPlane = undefined;
  await cp?.stop();
}
