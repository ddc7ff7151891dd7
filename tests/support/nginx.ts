/**
 * A real nginx in front of a test's Nexus, as the README documents it: the
 * upgrade passed on, and the limits of `docs/nginx/nexus-limits.conf`.
 */
import { NGINX } from "./environment.ts";
import { freePort, startService } from "./process.ts";

/** A running nginx and where it listens. */
export interface Nginx {
  /** `http://127.0.0.1:PORT` */
  http: string;
  stop(): Promise<void>;
}

const limits = new URL("../../docs/nginx/nexus-limits.conf", import.meta.url);

/** Starts nginx on a free port, proxying to `upstream` (`127.0.0.1:PORT`). */
export async function startNginx(upstream: string): Promise<Nginx> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-nginx-" });
  const port = freePort();
  const config = `
${Deno.uid() === 0 ? "user root;" : ""}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${decodeURIComponent(limits.pathname)};
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${upstream};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 120s;
    }
  }
}
`;
  await Deno.writeTextFile(`${dir}/nginx.conf`, config);
  const { stop } = await startService(
    "nginx",
    NGINX.path,
    ["-p", dir, "-c", `${dir}/nginx.conf`, "-g", "daemon off;"],
    port,
    dir,
  );
  return { http: `http://127.0.0.1:${port}`, stop };
}
