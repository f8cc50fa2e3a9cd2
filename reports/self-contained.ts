/**
 * Allure Report 3's page template always adds Google Analytics (a script
 * fetched from googletagmanager.com and a gtag config carrying the report's
 * id). A nightly report opened from a CI artefact must load nothing from
 * anywhere and tell no third party it was opened, so the two script
 * elements are taken out of the generated index.html. They are matched
 * exactly; a template that no longer has them is left as it is.
 */
const LOADER = /\s*<script async src="https:\/\/www\.googletagmanager\.com\/gtag\/js\?id=[A-Z0-9-]+"><\/script>/;
const CONFIG = /\s*<script>\s*window\.dataLayer = window\.dataLayer \|\| \[\];\s*function gtag\(\)\{dataLayer\.push\(arguments\);\}[\s\S]*?<\/script>/;

/** The page without the analytics scripts, and whether any were found. */
export function stripAnalytics(html: string): { html: string; removed: number } {
  let removed = 0;
  let out = html;
  for (const re of [LOADER, CONFIG]) {
    if (re.test(out)) {
      out = out.replace(re, '');
      removed += 1;
    }
  }
  return { html: out, removed };
}
