// What the browser tests share: a served database, and signing in (every
// page needs a user).

import { spawn } from "node:child_process";

/** `phuxanh serve` on `db` at 127.0.0.1:`port`, once it answers. */
export async function startServer(bin, db, port) {
  const server = spawn(bin, ["--db", db, "serve", "--addr", `127.0.0.1:${port}`], { stdio: "ignore", env: { ...process.env, RUST_LOG: "warn" } });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return server; } catch { /* not up yet */ }
    if (i > 100) throw new Error("the server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signs `page` in as `username` through the sign-in page. */
export async function signIn(page, base, username, password) {
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit]")]);
}

/** The administrator's password the tests give `init`. */
export const ADMIN_PASSWORD = "mật khẩu của người thử";
