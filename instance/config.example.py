# Copy to instance/config.py and adjust. Every setting can also come from an
# environment variable named GUILDHALL_<SETTING> (lists comma-separated).

# SITE_NAME = "深圳市质量协会"

# The embedded default is SQLite in this folder. For scale-out:
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://guildhall@127.0.0.1:5432/guildhall"
# REDIS_URL = "redis://127.0.0.1:6379/0"

# Plugins enabled on first start; afterwards the admin page and
# `flask --app wsgi plugins enable|disable NAME` decide (stored in the database).
# ENABLED_PLUGINS = ["announcements", "competitions", "brand_stories", "youth_committee", "partner_recruitment"]

# THEME = "default"
# REGISTRATION_MODE = "open"        # open | invite | closed
# BABEL_DEFAULT_LOCALE = "zh_CN"    # zh_CN | en
# REQUIRE_TOTP_FOR_ROLES = ["admin", "judge"]
# SANITIZER = "nh3"                 # nh3 | bleach

# Outgoing mail; without MAIL_SERVER messages stay in the admin outbox.
# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_USERNAME = "..."
# MAIL_PASSWORD = "..."
# MAIL_DEFAULT_SENDER = "noreply@example.org"

# Behind HTTPS:
# SESSION_COOKIE_SECURE = True
# REMEMBER_COOKIE_SECURE = True
