import { ApiException, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';

/** The apiserver's 422 message for a dry-run create; fails when the object is accepted. */
export async function admissionMessage(client: KubernetesObjectApi, object: KubernetesObject): Promise<string> {
  try {
    await client.create(object, undefined, 'All');
  } catch (err) {
    if (err instanceof ApiException && err.code === 422) {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      return String(body.message);
    }
    throw err;
  }
  throw new Error(`${object.kind}/${object.metadata?.name} was accepted`);
}
