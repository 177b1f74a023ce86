import { loadGatewayConfig } from './config/config';
import { JellyfinGateway } from './gateway';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const gateway = new JellyfinGateway(config);
  const port = await gateway.listen();
  console.log(JSON.stringify({ event: 'gateway.listening', port, jellyfin: config.jellyfinUrl.origin }));
  const stop = () => void gateway.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
