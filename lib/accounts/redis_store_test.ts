import { needsService, REDIS } from "../../tests/support/environment.ts";
import { startRedis } from "../../tests/support/redis.ts";
import { RedisAccountStore } from "./redis_store.ts";
import { storeContract } from "../../tests/support/store_contract.ts";

Deno.test({
  name: "accounts store: Redis keeps the contract",
  ignore: needsService(REDIS),
  async fn(t) {
    const redis = await startRedis();
    try {
      await storeContract(t, () => RedisAccountStore.open(redis.url));
    } finally {
      await redis.stop();
    }
  },
});
