// The local stack for the benchmarks: its env (env.json under the values already set), its REST
// catalog and its object store.
import { RestCatalog, S3FileIO } from '@floe/iceberg';
import { loadStackEnv } from '../../../infra/local/env.mjs';

Object.assign(process.env, {
  ...loadStackEnv(),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ...process.env,
});
const env = process.env;

export function stackCatalog(): RestCatalog {
  return new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
}

export function stackIO(): S3FileIO {
  return new S3FileIO({
    region: env.FLOE_AWS_REGION as string,
    endpoint: env.FLOE_S3_ENDPOINT,
    credentials: {
      accessKeyId: env.FLOE_AWS_ACCESS_KEY_ID as string,
      secretAccessKey: env.FLOE_AWS_SECRET_ACCESS_KEY as string,
    },
  });
}
