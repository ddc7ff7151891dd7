/** A bare `deno test` (no permissions, as the owner's card runs it) passes, ignoring what needs permissions. */
import assert from "node:assert/strict";
import { needsPermissions } from "./support/environment.ts";

Deno.test({
  name: "setup: a bare deno test passes and names the command for the rest",
  ignore: needsPermissions(),
  async fn() {
    const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["test", "--no-check"],
      cwd: root,
      env: { NO_COLOR: "1" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, text.slice(-2_000));
    assert.match(text, /ok \| \d+ passed .*\| 0 failed \| \d+ ignored/);
    assert.match(text, /run `deno task test`/);
  },
});
