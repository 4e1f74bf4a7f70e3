import { startTestServer } from '@cart/test-support/test-server.ts';
import { defineCartContract } from './cart-contract.ts';

defineCartContract('sqlite', (env) => startTestServer(env === undefined ? {} : { env }));
