"""Every feature's blueprint, in one list: create_app() registers them in this order."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from .activity import routes as activity_routes
    from .audit import routes as audit_routes
    from .admin import routes as admin_routes
    from .auth import routes as auth_routes
    from .catalogue import routes as catalogue_routes
    from .departments import routes as department_routes
    from .evidence import routes as evidence_routes
    from .home import routes as home_routes
    from .incidents import routes as incident_routes
    from .notify import routes as notify_routes
    from .pia import routes as pia_routes
    from .schedules import routes as schedule_routes
    from .sheets import routes as sheet_routes
    from .summary import routes as summary_routes

    for module in (auth_routes, home_routes, department_routes, admin_routes, activity_routes, evidence_routes,
                   schedule_routes, sheet_routes, catalogue_routes, summary_routes, audit_routes,
                   incident_routes, notify_routes, pia_routes):
        app.register_blueprint(module.bp)
    # What features add to the app's shared registries (the log's action labels, who may download which
    # evidence): registered here, for this app, never as a side effect of importing a module.
    from .activity import service as activity_service
    from .audit import permissions as audit_permissions
    from .incidents import service as incident_service
    from .pia import service as pia_service
    from .sheets import service as sheet_service

    for feature in (activity_service, sheet_service, audit_permissions, incident_service, pia_service,
                    summary_routes):
        feature.init_app(app)
