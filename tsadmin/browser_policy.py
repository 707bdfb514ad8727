"""What browsers may do on our pages: the Content-Security-Policy and the Permissions-Policy.

One policy for both sites (the staff site, tsadmin.settings, and the families' portal,
tsadmin.settings_portal): every script, stylesheet, image and font comes from our own static
files, nothing inline, nothing framed, forms post only to ourselves. Templates therefore carry
no `<script>` body, no `<style>` element and no `style=` attribute: they use classes of
static/css/ and scripts of static/js/ (a script may still set `element.style.x`: the CSSOM is
not inline style and the policy allows it).

This module imports nothing of Django's settings: both settings modules read it.
"""

from __future__ import annotations

from csp.constants import NONE, SELF

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # Relaxation, on purpose: Bootstrap's stylesheet draws its small icons (the arrow of a
        # <select>, the tick of a checked box, the menu toggler, the close cross) as
        # `data:image/svg+xml` images. An image from a data: URL runs no script (an SVG loaded
        # as an image is inert), and no page of ours shows a user-given image.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Powerful browser features no page of ours uses: refused to our pages and to anything they
# could ever load. Only names Chromium and Firefox know (an unknown one is logged as an error).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)
