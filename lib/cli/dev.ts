/**
 * The app's development entry: `deno task manifest`, `build` and `dev` run it.
 * @module
 */
import { dev } from "$fresh/dev.ts";
import config from "../server/fresh_config.ts";

await dev(new URL("../../", import.meta.url), "./main.ts", config);
