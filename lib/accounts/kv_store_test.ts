import { needsPermissions } from "../../tests/support/environment.ts";
import { KvAccountStore } from "./kv_store.ts";
import { storeContract } from "../../tests/support/store_contract.ts";

Deno.test({
  name: "accounts store: Deno KV keeps the contract",
  ignore: needsPermissions(),
  async fn(t) {
    const dir = await Deno.makeTempDir();
    try {
      await storeContract(t, () => KvAccountStore.open(`${dir}/accounts.db`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
