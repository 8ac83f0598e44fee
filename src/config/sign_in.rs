//! The sign-in settings: which identity providers people may sign in with (one OpenID Connect
//! provider, GitHub, or both), and who each of them admits.

use super::{missing, parse_base_url, ConfigError, Secret};
use url::Url;

/// The identity providers people may sign in with, in the order the sign-in page offers them.
/// Never empty.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The providers.
    pub providers: Vec<SignInProvider>,
}

impl SignIn {
    /// The provider `SIGN_IN_PROVIDERS` names `key`.
    pub fn get(&self, key: &str) -> Option<&SignInProvider> {
        self.providers.iter().find(|p| p.key() == key)
    }

    /// The OpenID Connect provider, when one is configured.
    pub fn oidc(&self) -> Option<&OidcSettings> {
        self.providers.iter().find_map(|p| match p {
            SignInProvider::Oidc(settings) => Some(settings),
            SignInProvider::GitHub(_) => None,
        })
    }
}

/// One way to sign in.
#[derive(Debug, Clone)]
pub enum SignInProvider {
    /// An OpenID Connect provider (Google, Entra ID, Okta, any other).
    Oidc(OidcSettings),
    /// GitHub accounts, through an OAuth app (GitHub is not an OpenID provider).
    GitHub(GitHubSignIn),
}

impl SignInProvider {
    /// Its name in `SIGN_IN_PROVIDERS`, on the sign-in page's buttons and in the sign-in state.
    pub fn key(&self) -> &'static str {
        match self {
            SignInProvider::Oidc(_) => "oidc",
            SignInProvider::GitHub(_) => "github",
        }
    }

    /// What the sign-in page calls it.
    pub fn label(&self) -> String {
        match self {
            SignInProvider::Oidc(settings) => match settings.kind {
                OidcKind::Google => "Google".into(),
                OidcKind::Entra => "Microsoft".into(),
                OidcKind::Okta => "Okta".into(),
                OidcKind::Generic => settings.issuer.host_str().unwrap_or("your identity provider").to_string(),
            },
            SignInProvider::GitHub(_) => "GitHub".into(),
        }
    }

    /// Where the person signs in, as the consent page shows it.
    pub fn location(&self) -> String {
        match self {
            SignInProvider::Oidc(settings) => settings.issuer.as_str().trim_end_matches('/').to_string(),
            SignInProvider::GitHub(settings) => settings.web_url.as_str().trim_end_matches('/').to_string(),
        }
    }

    /// The prefix of the user ids it issues (`<prefix>:…`); distinct per provider, so that an
    /// access rule naming one person never matches another.
    pub fn id_prefix(&self) -> &str {
        match self {
            SignInProvider::Oidc(settings) => &settings.provider_name,
            SignInProvider::GitHub(_) => GITHUB_ID_PREFIX,
        }
    }
}

/// Which OpenID Connect provider it is: each sends its claims its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidcKind {
    /// Google: the Workspace domain is the `hd` claim.
    Google,
    /// Microsoft Entra ID: `tid`/`oid` ids, a `{tenantid}` issuer template, and an `email` that
    /// is verified only when `xms_edov` says so.
    Entra,
    /// Okta: groups travel under the `groups` scope.
    Okta,
    /// Any other provider: a verified email, `email_verified`.
    Generic,
}

/// The upstream OpenID Connect provider (Google unless configured otherwise).
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// `OIDC_ISSUER`: discovery is at `<issuer>/.well-known/openid-configuration`.
    pub issuer: Url,
    /// The connector's client id at the provider.
    pub client_id: String,
    /// The connector's client secret at the provider.
    pub client_secret: Secret,
    /// `OIDC_PROVIDER`, or recognised from the issuer.
    pub kind: OidcKind,
    /// Prefix of user ids (`<provider_name>:<sub>`; for Entra ID `<provider_name>:<tid>:<oid>`).
    pub provider_name: String,
    /// Who may sign in, by domain.
    pub allowed_domains: AllowedDomains,
    /// `OIDC_GROUPS_CLAIM` (default `groups`): the ID token claim whose values become the user's
    /// directory groups, matched by `group:` principals; `none` turns groups off.
    pub groups_claim: Option<String>,
    /// `OIDC_TENANTS` (Entra ID): the lower-case tenant ids whose people may sign in. Required
    /// with the multi-tenant `organizations` (or `common`) issuer; with a single tenant's issuer
    /// that tenant is the only one admitted anyway.
    pub tenants: Vec<String>,
    /// Scopes asked for besides `openid email profile` (`OIDC_SCOPES`; for Okta `groups` unless set).
    pub scopes: Vec<String>,
    /// `OIDC_REFRESH_GROUPS` (default on for Entra ID): ask for `offline_access` and, at each
    /// refresh of the connector's tokens, refresh at the provider too, so that the groups follow
    /// the directory and a person disabled there loses access at their next refresh.
    pub refresh_groups: bool,
}

impl OidcSettings {
    /// Google is recognised by its issuer; for it the hosted-domain (`hd`) claim decides the domain.
    pub fn is_google(&self) -> bool {
        self.kind == OidcKind::Google
    }

    /// The `scope` parameter of the authorization request.
    pub fn scope(&self) -> String {
        let mut scope = String::from("openid email profile");
        let offline =
            (self.refresh_groups && !self.scopes.iter().any(|s| s == "offline_access")).then_some("offline_access");
        for extra in self.scopes.iter().map(String::as_str).chain(offline) {
            scope.push(' ');
            scope.push_str(extra);
        }
        scope
    }
}

/// GitHub sign-in through an OAuth app: identity from GitHub's user API, admission by
/// organization membership.
#[derive(Debug, Clone)]
pub struct GitHubSignIn {
    /// `GITHUB_SIGN_IN_URL` (default `https://github.com`): where the OAuth app's pages are.
    pub web_url: Url,
    /// `GITHUB_SIGN_IN_CLIENT_ID`: the OAuth app's client id.
    pub client_id: String,
    /// `GITHUB_SIGN_IN_CLIENT_SECRET`.
    pub client_secret: Secret,
    /// `GITHUB_SIGN_IN_ORGS`: lower-case organization logins; an active member of one may sign in.
    pub orgs: Vec<String>,
}

/// `ALLOWED_DOMAINS`: the domains whose people may sign in. Required: an unset or empty
/// setting used to admit every account of the provider (for Google, anyone with a Gmail
/// address), so admitting everyone has to be asked for with `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedDomains {
    /// `*`: every verified email the provider vouches for.
    Any,
    /// These lower-case domains only (for Google, the Workspace domain in `hd`).
    Only(Vec<String>),
}

impl AllowedDomains {
    /// The domain, when exactly one is allowed.
    pub fn single(&self) -> Option<&str> {
        match self {
            AllowedDomains::Only(domains) if domains.len() == 1 => domains.first().map(String::as_str),
            _ => None,
        }
    }

    /// Whether `domain` (lower-case; `None` for an account without one) may sign in.
    pub fn admit(&self, domain: Option<&str>) -> bool {
        match self {
            AllowedDomains::Any => true,
            AllowedDomains::Only(domains) => domain.is_some_and(|d| domains.iter().any(|a| a == d)),
        }
    }
}

/// Default for `OIDC_GROUPS_CLAIM`: the claim Okta, Entra ID and Keycloak name groups in.
pub const DEFAULT_GROUPS_CLAIM: &str = "groups";
/// The most directory groups (or GitHub teams) recorded per user: they travel in every grant record.
pub const MAX_GROUPS: usize = 200;
/// Google's issuer, the default `OIDC_ISSUER`.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
/// Entra ID's sign-in host.
pub const ENTRA_HOST: &str = "login.microsoftonline.com";
/// Default for `GITHUB_SIGN_IN_URL`.
pub const GITHUB_WEB: &str = "https://github.com";
/// The prefix of GitHub users' ids (`github:<numeric id>`).
pub const GITHUB_ID_PREFIX: &str = "github";

/// Reads the sign-in settings; `None` (with the problems in `errors`) when they are unusable.
pub(super) fn load(get: &impl Fn(&str) -> Option<String>, errors: &mut Vec<ConfigError>) -> Option<SignIn> {
    let github_configured = get("GITHUB_SIGN_IN_CLIENT_ID").is_some();
    let keys: Vec<String> = match get("SIGN_IN_PROVIDERS") {
        // Unset: the OpenID provider (always, unless only GitHub sign-in is configured), then GitHub.
        None => {
            let oidc_configured = get("OIDC_CLIENT_ID").or_else(|| get("GOOGLE_CLIENT_ID")).is_some();
            let mut keys = Vec::new();
            if oidc_configured || !github_configured {
                keys.push("oidc".to_string());
            }
            if github_configured {
                keys.push("github".to_string());
            }
            keys
        }
        Some(list) => {
            let keys: Vec<String> =
                list.split(',').map(|k| k.trim().to_ascii_lowercase()).filter(|k| !k.is_empty()).collect();
            let duplicate = keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k));
            if let Some(bad) = keys.iter().find(|k| !matches!(k.as_str(), "oidc" | "github")) {
                errors.push(ConfigError {
                    setting: "SIGN_IN_PROVIDERS",
                    problem: format!("`{bad}` is not a provider; list `oidc` (the OIDC_* provider) and/or `github`"),
                });
                return None;
            }
            if keys.is_empty() || duplicate {
                errors.push(ConfigError {
                    setting: "SIGN_IN_PROVIDERS",
                    problem: "list each provider once, like `oidc, github`".into(),
                });
                return None;
            }
            keys
        }
    };
    let mut providers = Vec::new();
    for key in &keys {
        match key.as_str() {
            "oidc" => providers.push(load_oidc(get, errors).map(SignInProvider::Oidc)),
            _ => providers.push(load_github(get, errors).map(SignInProvider::GitHub)),
        }
    }
    let providers: Vec<SignInProvider> = providers.into_iter().collect::<Option<_>>()?;
    let prefixes: Vec<&str> = providers.iter().map(SignInProvider::id_prefix).collect();
    if prefixes.len() == 2 && prefixes[0] == prefixes[1] {
        errors.push(ConfigError {
            setting: "OIDC_PROVIDER_NAME",
            problem: format!("`{}` is GitHub sign-in's prefix; choose another so user ids never collide", prefixes[0]),
        });
        return None;
    }
    Some(SignIn { providers })
}

/// The OpenID provider's settings; `GOOGLE_CLIENT_ID` / `GOOGLE_CLIENT_SECRET` are accepted as
/// the same as `OIDC_CLIENT_ID` / `OIDC_CLIENT_SECRET`.
fn load_oidc(get: &impl Fn(&str) -> Option<String>, errors: &mut Vec<ConfigError>) -> Option<OidcSettings> {
    let issuer = match get("OIDC_ISSUER") {
        None => Url::parse(GOOGLE_ISSUER).ok(),
        Some(value) => parse_base_url("OIDC_ISSUER", &value).map_err(|e| errors.push(e)).ok(),
    };
    let client_id = get("OIDC_CLIENT_ID").or_else(|| get("GOOGLE_CLIENT_ID"));
    if client_id.is_none() {
        errors.push(missing("OIDC_CLIENT_ID", "create an OAuth client (type Web application) at your identity provider, with redirect URI <connector URL>/callback, and set its id with `npx wrangler secret put OIDC_CLIENT_ID`"));
    }
    let client_secret = get("OIDC_CLIENT_SECRET").or_else(|| get("GOOGLE_CLIENT_SECRET")).map(Secret::new);
    if client_secret.is_none() {
        errors.push(missing(
            "OIDC_CLIENT_SECRET",
            "set the OAuth client's secret with `npx wrangler secret put OIDC_CLIENT_SECRET`",
        ));
    }
    let issuer = issuer?;
    let kind = match get("OIDC_PROVIDER").map(|k| k.to_ascii_lowercase()).as_deref() {
        None => kind_of(&issuer),
        Some("google") => OidcKind::Google,
        Some("entra") => OidcKind::Entra,
        Some("okta") => OidcKind::Okta,
        Some("oidc") => OidcKind::Generic,
        Some(other) => {
            errors.push(ConfigError {
                setting: "OIDC_PROVIDER",
                problem: format!("`{other}` is not one of google, entra, okta, oidc"),
            });
            return None;
        }
    };
    let default_name = match kind {
        OidcKind::Google => "google",
        OidcKind::Entra => "entra",
        // Okta and other providers' ids have always read `oidc:<sub>`; existing access files keep working.
        OidcKind::Okta | OidcKind::Generic => "oidc",
    };
    let provider_name = match get("OIDC_PROVIDER_NAME") {
        None => default_name.to_string(),
        Some(name) if name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') => name,
        Some(name) => {
            errors.push(ConfigError {
                setting: "OIDC_PROVIDER_NAME",
                problem: format!("`{name}` may hold only lower-case letters, digits and dashes (it prefixes user ids)"),
            });
            return None;
        }
    };
    let allowed_domains = load_allowed_domains(get("ALLOWED_DOMAINS"), errors)?;
    let groups_claim = match get("OIDC_GROUPS_CLAIM") {
        None => Some(DEFAULT_GROUPS_CLAIM.to_string()),
        Some(claim) if claim == "none" => None,
        Some(claim) => Some(claim),
    };
    let scopes = match get("OIDC_SCOPES") {
        None if kind == OidcKind::Okta => vec!["groups".to_string()],
        None => Vec::new(),
        Some(none) if none == "none" => Vec::new(),
        Some(list) => {
            let scopes: Vec<String> = list.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_string).collect();
            if let Some(bad) = scopes.iter().find(|s| !s.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\'))
            {
                errors.push(ConfigError { setting: "OIDC_SCOPES", problem: format!("`{bad}` is not a scope") });
                return None;
            }
            scopes.into_iter().filter(|s| !matches!(s.as_str(), "openid" | "email" | "profile")).collect()
        }
    };
    let tenants = load_tenants(kind, &issuer, get("OIDC_TENANTS"), errors)?;
    let refresh_groups = match get("OIDC_REFRESH_GROUPS").map(|v| v.to_ascii_lowercase()).as_deref() {
        None => kind == OidcKind::Entra && groups_claim.is_some(),
        Some("true") if kind == OidcKind::Google => {
            errors.push(ConfigError {
                setting: "OIDC_REFRESH_GROUPS",
                problem: "Google sends no directory groups; leave it unset".into(),
            });
            return None;
        }
        Some("true") => true,
        Some("false") => false,
        Some(other) => {
            errors.push(ConfigError {
                setting: "OIDC_REFRESH_GROUPS",
                problem: format!("`{other}` must be true or false"),
            });
            return None;
        }
    };
    Some(OidcSettings {
        issuer,
        client_id: client_id?,
        client_secret: client_secret?,
        kind,
        provider_name,
        allowed_domains,
        groups_claim,
        tenants,
        scopes,
        refresh_groups,
    })
}

/// The provider recognised from its issuer.
fn kind_of(issuer: &Url) -> OidcKind {
    let host = issuer.host_str().unwrap_or_default();
    if issuer.as_str().trim_end_matches('/') == GOOGLE_ISSUER {
        OidcKind::Google
    } else if host == ENTRA_HOST {
        OidcKind::Entra
    } else if [".okta.com", ".oktapreview.com", ".okta-emea.com"].iter().any(|s| host.ends_with(s)) {
        OidcKind::Okta
    } else {
        OidcKind::Generic
    }
}

/// The tenant segment of an Entra ID issuer (`https://login.microsoftonline.com/<tenant>/v2.0`).
fn entra_tenant_segment(issuer: &Url) -> Option<String> {
    let mut segments = issuer.path_segments()?.filter(|s| !s.is_empty());
    let tenant = segments.next()?;
    (segments.next() == Some("v2.0") && segments.next().is_none()).then(|| tenant.to_ascii_lowercase())
}

/// Whether an Entra ID issuer is one of the multi-tenant ones, whose tokens name each person's
/// own tenant.
fn is_multi_tenant(issuer: &Url) -> bool {
    matches!(entra_tenant_segment(issuer).as_deref(), Some("organizations" | "common"))
}

fn load_tenants(
    kind: OidcKind,
    issuer: &Url,
    value: Option<String>,
    errors: &mut Vec<ConfigError>,
) -> Option<Vec<String>> {
    let fail = |errors: &mut Vec<ConfigError>, setting: &'static str, problem: String| {
        errors.push(ConfigError { setting, problem });
        None
    };
    let tenants: Vec<String> =
        value.unwrap_or_default().split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).collect();
    if kind != OidcKind::Entra {
        if !tenants.is_empty() {
            return fail(errors, "OIDC_TENANTS", "applies to Microsoft Entra ID only (OIDC_PROVIDER = entra)".into());
        }
        return Some(tenants);
    }
    let Some(segment) = entra_tenant_segment(issuer) else {
        return fail(
            errors,
            "OIDC_ISSUER",
            format!("`{issuer}` is not an Entra ID v2.0 issuer; write https://login.microsoftonline.com/<tenant id>/v2.0 (or /organizations/v2.0)"),
        );
    };
    if segment == "consumers" {
        return fail(
            errors,
            "OIDC_ISSUER",
            "`consumers` admits personal Microsoft accounts only; use your tenant id, or `organizations`".into(),
        );
    }
    if let Some(bad) = tenants.iter().find(|t| !is_guid(t)) {
        return fail(
            errors,
            "OIDC_TENANTS",
            format!("`{bad}` is not a tenant id; write the Directory (tenant) ids from the Entra admin center, separated by commas"),
        );
    }
    if is_multi_tenant(issuer) && tenants.is_empty() {
        return fail(
            errors,
            "OIDC_TENANTS",
            format!(
                "is required with the multi-tenant `{segment}` issuer: list the tenant ids whose people may sign in"
            ),
        );
    }
    Some(tenants)
}

fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn load_github(get: &impl Fn(&str) -> Option<String>, errors: &mut Vec<ConfigError>) -> Option<GitHubSignIn> {
    let web_url = match get("GITHUB_SIGN_IN_URL") {
        None => Url::parse(GITHUB_WEB).ok(),
        Some(value) => parse_base_url("GITHUB_SIGN_IN_URL", &value).map_err(|e| errors.push(e)).ok(),
    };
    let client_id = get("GITHUB_SIGN_IN_CLIENT_ID");
    if client_id.is_none() {
        errors.push(missing("GITHUB_SIGN_IN_CLIENT_ID", "register an OAuth app (GitHub › Settings › Developer settings › OAuth Apps) with callback URL <connector URL>/callback and set its client id"));
    }
    let client_secret = get("GITHUB_SIGN_IN_CLIENT_SECRET").map(Secret::new);
    if client_secret.is_none() {
        errors.push(missing(
            "GITHUB_SIGN_IN_CLIENT_SECRET",
            "generate a client secret for the OAuth app and set it with `npx wrangler secret put GITHUB_SIGN_IN_CLIENT_SECRET`",
        ));
    }
    let orgs: Vec<String> = get("GITHUB_SIGN_IN_ORGS")
        .unwrap_or_default()
        .split(',')
        .map(|o| o.trim().to_ascii_lowercase())
        .filter(|o| !o.is_empty())
        .collect();
    let valid_login = |o: &String| o.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if orgs.is_empty() || !orgs.iter().all(valid_login) {
        errors.push(ConfigError {
            setting: "GITHUB_SIGN_IN_ORGS",
            problem: "is required with GitHub sign-in: the organization logins (like `acme, acme-contractors`) whose members may sign in".into(),
        });
        return None;
    }
    Some(GitHubSignIn { web_url: web_url?, client_id: client_id?, client_secret: client_secret?, orgs })
}

fn load_allowed_domains(value: Option<String>, errors: &mut Vec<ConfigError>) -> Option<AllowedDomains> {
    let value = value.unwrap_or_default();
    let fail = |errors: &mut Vec<ConfigError>, problem: String| {
        errors.push(ConfigError { setting: "ALLOWED_DOMAINS", problem });
        None
    };
    if value.trim() == "*" {
        return Some(AllowedDomains::Any);
    }
    let domains: Vec<String> =
        value.split(',').map(|d| d.trim().to_ascii_lowercase()).filter(|d| !d.is_empty()).collect();
    if domains.is_empty() {
        return fail(
            errors,
            "is required: set your organization's email domains (for Google, its Workspace domains), like \
             `acme.com, acme.co.uk`, or `*` to let every verified account of the provider sign in"
                .into(),
        );
    }
    for domain in &domains {
        if domain.contains('@')
            || !domain.contains('.')
            || domain.chars().any(|c| c.is_whitespace() || c == '/' || c == '*')
        {
            return fail(
                errors,
                format!("`{domain}` is not an email domain; write domains like example.com, separated by commas (or `*` alone for any)"),
            );
        }
    }
    Some(AllowedDomains::Only(domains))
}
