import { DEV_PASSWORD, DEV_USERS } from './users.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A whole page: no script at all, one stylesheet from this server. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · EUDR development sign-in</title>
<link rel="stylesheet" href="/assets/provider.css">
</head>
<body>
<div class="banner" role="note">Development identity provider: for the local stack and tests only, never production.</div>
<main class="card">
${body}
</main>
</body>
</html>`;
}

/** The sign-in form of an interaction, with the seeded users listed (they are public anyway). */
export function loginPage(uid: string, options: { email?: string; error?: string } = {}): string {
  const error =
    options.error === undefined
      ? ''
      : `<p class="error" role="alert" id="login-error">${escapeHtml(options.error)}</p>`;
  const described = options.error === undefined ? '' : ' aria-describedby="login-error"';
  const rows = DEV_USERS.map(
    (u) =>
      `<tr><td>${escapeHtml(u.email)}</td><td>${escapeHtml(u.orgName)} (${escapeHtml(u.org)})</td><td>${u.role}</td></tr>`,
  ).join('\n');
  return page(
    'Sign in',
    `<h1>Sign in to the EUDR console</h1>
${error}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" novalidate>
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(options.email ?? '')}"${described}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${described}>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
  <button type="submit" class="secondary">Cancel</button>
</form>
<section aria-labelledby="seeded">
  <h2 id="seeded">Seeded users</h2>
  <p>Every seeded user signs in with the password <code>${DEV_PASSWORD}</code>.</p>
  <table>
    <thead><tr><th scope="col">Email</th><th scope="col">Organisation</th><th scope="col">Role</th></tr></thead>
    <tbody>
${rows}
    </tbody>
  </table>
</section>`,
  );
}

/** An error of the provider, in words, with what to do next. */
export function errorPage(title: string, message: string): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p>Go back to the console and sign in again.</p>`,
  );
}

/** The stylesheet of these pages. */
export const STYLESHEET = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1b1f24}
.banner{background:#7a3e00;color:#fff;padding:.5rem 1rem;text-align:center;font-weight:600}
.card{max-width:34rem;margin:2rem auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.5rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;padding:.5rem;font:inherit;border:1px solid #57606a;border-radius:4px}
button{margin-top:1rem;padding:.5rem 1.25rem;font:inherit;font-weight:600;border-radius:4px;border:1px solid #0b5cad;background:#0b5cad;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b5cad}
:focus-visible{outline:3px solid #e09b00;outline-offset:2px}
.error{background:#ffebe9;border:1px solid #cf222e;color:#82071e;padding:.5rem .75rem;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #d0d7de}
code{background:#eef1f4;padding:0 .25rem;border-radius:3px}
`;
