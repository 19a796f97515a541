// The System Console's settings: one row per runtime setting (README "Runtime settings";
// tests/test_console_settings.py checks that every documented setting has a row here and that
// each row's default is the server's). The console's navigation and forms are built from it.

// [path under /admin_console/, group, page title]
export const PAGES = [
  ["user_management/users", "User Management", "Users"],
  ["environment/web_server", "Environment", "Web Server"],
  ["environment/database", "Environment", "Database"],
  ["environment/rate_limiting", "Environment", "Rate Limiting"],
  ["environment/session_lengths", "Environment", "Session Lengths"],
  ["environment/performance_monitoring", "Environment", "Performance Monitoring"],
  ["site_config/customization", "Site Configuration", "Customization"],
  ["site_config/users_and_teams", "Site Configuration", "Users and Teams"],
  ["site_config/posts", "Site Configuration", "Posts"],
  ["authentication/signup", "Authentication", "Signup"],
  ["authentication/password", "Authentication", "Password"],
  ["integrations/integration_management", "Integrations", "Integration Management"],
  ["integrations/cors", "Integrations", "CORS"],
];

const row = (page, key, type, label, help, byDefault, extra = {}) => ({ page, key, type, label, help, default: byDefault, ...extra });

export const SETTINGS = [
  // Environment › Web Server
  row("environment/web_server", "ServiceSettings.SiteURL", "text", "Site URL",
    "The URL people use to reach this server, e.g. https://chat.example.com. Webhook URLs, the websocket's allowed origin and secure cookies follow it. Empty: the address inbound serve was started with (INBOUND_SITE_URL, else host and port).",
    "", { placeholder: "https://chat.example.com" }),
  row("environment/web_server", "ServiceSettings.MaximumPayloadSizeBytes", "number", "Maximum payload size (bytes)",
    "Webhook bodies larger than this are refused with 413 before they are read.", 300000, { min: 1024, max: 104857600 }),
  row("environment/web_server", "ServiceSettings.ReadTimeout", "number", "Read timeout (seconds)",
    "How long a client may take to send its request headers and body; slower ones get 408.", 30, { min: 1, max: 3600 }),
  row("environment/web_server", "ServiceSettings.IdleTimeout", "number", "Idle timeout (seconds)",
    "Keep-alive connections with no request for this long are closed.", 60, { min: 1, max: 86400 }),
  row("environment/web_server", "ServiceSettings.GracefulShutdownSeconds", "number", "Graceful shutdown (seconds)",
    "On SIGTERM, how long requests in flight may take before the process exits.", 10, { min: 0, max: 3600 }),
  row("environment/web_server", "ServiceSettings.TrustedProxyIPHeader", "list", "Trusted proxy IP header",
    "Headers, comma-separated, that carry the client's address when the request comes from a trusted proxy (INBOUND_TRUSTED_PROXIES; this machine by default), e.g. X-Forwarded-For. Webhooks' allowed networks check that address. Empty: always the connection's address.",
    [], { placeholder: "X-Forwarded-For" }),
  // Environment › Database
  row("environment/database", "SqlSettings.QueryTimeout", "number", "Query timeout (seconds)",
    "The longest any database statement may run; a request whose statement takes longer gets 503.", 30, { min: 1, max: 3600 }),
  // Environment › Rate Limiting
  row("environment/rate_limiting", "RateLimitSettings.Enable", "bool", "Enable rate limiting",
    "When true, API and webhook requests are limited by the rates below; clients over them get 429 with Retry-After.", false),
  row("environment/rate_limiting", "RateLimitSettings.PerSec", "number", "Maximum queries per second",
    "API and webhook requests per second each client may send.", 10, { min: 1, max: 1000000 }),
  row("environment/rate_limiting", "RateLimitSettings.MaxBurst", "number", "Maximum burst size",
    "Requests a client may send at once above the per-second rate.", 100, { min: 1, max: 1000000 }),
  row("environment/rate_limiting", "RateLimitSettings.VaryByRemoteAddr", "bool", "Vary rate limit by remote address",
    "When true, each remote address counts as a separate client.", true),
  row("environment/rate_limiting", "RateLimitSettings.VaryByUser", "bool", "Vary rate limit by user",
    "When true, each signed-in user counts as a separate client on the API.", false),
  row("environment/rate_limiting", "RateLimitSettings.VaryByHeader", "text", "Vary rate limit by HTTP header",
    "Count each value of this request header as a separate client, e.g. X-Real-IP behind a proxy. Empty: not used.", "", { placeholder: "X-Real-IP" }),
  row("environment/rate_limiting", "RateLimitSettings.IncomingWebhookPerSec", "number", "Incoming webhook queries per second",
    "Requests per second to each webhook URL; a webhook may set its own rate.", 10, { min: 1, max: 1000000 }),
  row("environment/rate_limiting", "RateLimitSettings.IncomingWebhookMaxBurst", "number", "Incoming webhook burst size",
    "Requests a webhook URL may take at once above its rate; a webhook may set its own burst.", 100, { min: 1, max: 1000000 }),
  // Environment › Session Lengths
  row("environment/session_lengths", "ServiceSettings.SessionLengthWebInHours", "number", "Session length for web and email logins (hours)",
    "How long a login lasts before the user must sign in again. Changes apply to new sessions.", 720, { min: 1, max: 8760 }),
  // Environment › Performance Monitoring
  row("environment/performance_monitoring", "MetricsSettings.Enable", "bool", "Enable performance monitoring",
    "When true, Prometheus metrics are served at GET /metrics on a listener of their own.", false),
  row("environment/performance_monitoring", "MetricsSettings.ListenAddress", "text", "Listen address",
    "Where the metrics listener binds: :8067 listens on 127.0.0.1 only, 0.0.0.0:8067 on every interface.", ":8067"),
  // Site Configuration
  row("site_config/customization", "TeamSettings.SiteName", "text", "Site name",
    "The name shown to clients (login page, browser title).", "inbound"),
  row("site_config/users_and_teams", "PrivacySettings.ShowEmailAddress", "bool", "Show email address",
    "When false, users' email addresses are hidden from everyone but system admins and the users themselves.", true),
  row("site_config/posts", "ServiceSettings.PostMessageMaxRunes", "number", "Maximum message length (characters)",
    "Longer messages, from people or webhooks, are split into several posts.", 4000, { min: 16, max: 65535 }),
  // Authentication
  row("authentication/signup", "TeamSettings.EnableUserCreation", "bool", "Enable account creation",
    "With an open server: when true, people may sign themselves up.", true),
  row("authentication/signup", "TeamSettings.EnableOpenServer", "bool", "Enable open server",
    "When true, anyone may sign up without an invitation from an admin.", false),
  row("authentication/password", "ServiceSettings.MaximumLoginAttempts", "number", "Maximum login attempts",
    "Consecutive failed logins that lock an account for 15 minutes, or until a system admin unlocks it under Users.", 10, { min: 1, max: 1000 }),
  // Integrations › Integration Management
  row("integrations/integration_management", "ServiceSettings.EnableIncomingWebhooks", "bool", "Enable incoming webhooks",
    "When true, programs can post to channels through webhook URLs (Integrations › Incoming Webhooks). When false, every /hooks/ URL answers 501 and the webhook API is off.", true),
  row("integrations/integration_management", "ServiceSettings.EnableOnlyAdminIntegrations", "bool", "Restrict managing integrations to admins",
    "When true, only system and team admins create and manage webhooks. When false, every team member may manage their own.", true),
  row("integrations/integration_management", "ServiceSettings.EnablePostUsernameOverride", "bool", "Enable integrations to override usernames",
    "When true, webhooks may set the name their posts are shown with (username in the payload or on the webhook).", false),
  row("integrations/integration_management", "ServiceSettings.EnablePostIconOverride", "bool", "Enable integrations to override profile picture icons",
    "When true, webhooks may set the picture their posts are shown with (icon_url, icon_emoji).", false),
  row("integrations/integration_management", "ServiceSettings.EnableUserAccessTokens", "bool", "Enable personal access tokens",
    "When true, users' personal access tokens work as Bearer tokens on the API.", true),
  row("integrations/integration_management", "ServiceSettings.IncomingWebhookKeyGracePeriodSeconds", "number", "Old URL grace period after regenerating (seconds)",
    "How long a webhook's old URL keeps working after its URL is regenerated, so senders can be updated. 0: it stops at once.", 86400, { min: 0, max: 31536000 }),
  // Integrations › CORS
  row("integrations/cors", "ServiceSettings.AllowCorsFrom", "text", "Enable cross-origin requests from",
    "Other origins, space-separated (or *), whose pages may open the websocket. This site's own origin always may; clients that send no Origin are not affected.", "", { placeholder: "https://a.example.com https://b.example.com" }),
];
