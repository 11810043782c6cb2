// Signing in, for the browser tests: every page needs a user now.

/** Signs `page` in as `username` through the sign-in page. */
export async function signIn(page, base, username, password) {
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit]")]);
}

/** The administrator's password the tests give `init`. */
export const ADMIN_PASSWORD = "mật khẩu của người thử";
