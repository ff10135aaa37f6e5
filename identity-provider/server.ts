/**
 * The embedded OpenID provider as a process of `npm start`: reads DATA_DIR, PORT (the API's),
 * PUBLIC_URL and IDENTITY_PROVIDER_PORT, serves on 127.0.0.1 until SIGINT/SIGTERM.
 */
import { loadConfig } from '../config/settings';
import { openLeaveStore } from '../store';
import { embeddedIssuer, embeddedOptions, embeddedPort, embeddedSecrets, peopleOf } from './embedded';
import { startIdentityProvider } from './provider';

async function main(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    AUTH_ISSUER: undefined,
    AUTH_AUDIENCE: undefined,
    AUTH_CLIENT_ID: undefined,
    AUTH_CLIENT_SECRET: undefined,
    AUTH_ROLES_CLAIM: undefined,
  });
  const port = embeddedPort(process.env, config.port);
  const issuer = embeddedIssuer(port);
  const leaveStore = openLeaveStore(config);
  const publicUrl = config.auth.publicUrl ?? `http://127.0.0.1:${config.port}`;
  const running = await startIdentityProvider(
    embeddedOptions({
      issuer,
      publicUrl,
      secrets: await embeddedSecrets(config.dataDir),
      people: async () => peopleOf(await leaveStore.listEmployees()),
    }),
    port,
  );
  console.log(`[identity] the embedded OpenID provider on ${issuer} (development sign-in: pick a person)`);
  const stop = (): void => {
    void running
      .close()
      .then(() => leaveStore.close())
      .then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('[identity] could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
