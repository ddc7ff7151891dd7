/**
 * The Fresh configuration of the app, shared by `main.ts` and `lib/cli/dev.ts`.
 * @module
 */
import { defineConfig } from "$fresh/server.ts";
import twind from "$fresh/plugins/twindv1.ts";
import presetTailwind from "@twind/preset-tailwind";

export default defineConfig({
  plugins: [
    twind({ config: { presets: [presetTailwind()], darkMode: "class" } }),
  ],
});
