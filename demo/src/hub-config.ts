// The demo's part of the hub config (Python, run after the harness's): the chart's custom
// scopes, page templates and profiles, and a password login standing in for pc-id's OAuth.
import type { ChartHub, ChartProfile } from './chart';
import { CHART_TEMPLATES_DIR } from './chart';
import { DEMO_TEMPLATES_DIR } from './paths';

export interface DemoHubConfigInput {
  chart: ChartHub;
  /** Who may log in (the harness's config lets anyone in). */
  users: string[];
  password: string;
  /** HTML of the banner on every hub page (the chart's templateVars.announcement). */
  announcement: string;
}

export function demoHubConfig(input: DemoHubConfigInput): string {
  const { chart } = input;
  const settings = {
    custom_scopes: chart.customScopes,
    users: input.users,
    password: input.password,
    default_url: chart.defaultUrl,
    template_paths: [DEMO_TEMPLATES_DIR, CHART_TEMPLATES_DIR],
    template_vars: { ...chart.templateVars, announcement: input.announcement },
    options_form: profileForm(chart.profiles),
    profile_slugs: chart.profiles.map((profile) => profile.slug),
  };
  // A JSON string is also a valid Python string literal: no value can break out of it.
  return `
import json as _json

_demo = _json.loads(${JSON.stringify(JSON.stringify(settings))})
c.JupyterHub.custom_scopes = _demo["custom_scopes"]
c.Authenticator.allow_all = False
c.Authenticator.allowed_users = set(_demo["users"])
c.DummyAuthenticator.password = _demo["password"]
c.Spawner.default_url = _demo["default_url"]
c.JupyterHub.template_paths = _demo["template_paths"]
c.JupyterHub.template_vars = _demo["template_vars"]
c.Spawner.options_form = _demo["options_form"]
_profile_slugs = set(_demo["profile_slugs"])


# As KubeSpawner's profile_list does: the chosen slug becomes user_options["profile"].
def _options_from_form(formdata):
    slug = (formdata.get("profile") or [""])[0]
    if slug not in _profile_slugs:
        raise ValueError("unknown profile %r: choose one from the list" % slug)
    return {"profile": slug}


c.Spawner.options_from_form = _options_from_form
`;
}

/** The spawn page's form: one choice per chart profile, the chart's default selected. */
export function profileForm(profiles: ChartProfile[]): string {
  const options = profiles.map((profile) => {
    const description = stripTags(profile.description);
    const label = description ? `${profile.displayName} — ${description}` : profile.displayName;
    const selected = profile.default ? ' selected' : '';
    return `<option value="${escapeHtml(profile.slug)}"${selected}>${escapeHtml(label)}</option>`;
  });
  return [
    '<p class="text-muted">Local demo: every environment starts the same local Jupyter server.',
    'The choice is recorded as the server&#39;s profile (<code>user_options.profile</code>), as',
    'KubeSpawner records it, and the usage monitor counts servers by it.</p>',
    '<label for="profile-select" class="form-label">Environment</label>',
    '<select id="profile-select" name="profile" class="form-select">',
    ...options,
    '</select>',
  ].join('\n');
}

// Profile descriptions are HTML (links); an <option> shows text only.
function stripTags(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
