import assert from "node:assert/strict";
import { deviceName } from "./device_name.ts";

Deno.test("device name: the browser and its system, in words", () => {
  assert.equal(
    deviceName(
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36",
    ),
    "Chromium on Linux",
  );
  assert.equal(
    deviceName(
      "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0",
    ),
    "Firefox on Linux",
  );
  assert.equal(
    deviceName(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    ),
    "Safari on iOS",
  );
  assert.equal(deviceName("curl/8.0"), "A browser");
  assert.equal(deviceName(null), "A browser");
});
