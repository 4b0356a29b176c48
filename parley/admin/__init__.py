"""The admin console's API (/v1/admin/…): users, roles, apps and OIDC clients, the audit
log and live figures, each action audited with its actor."""
