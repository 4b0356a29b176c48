// ReDoc for /openapi.json, from local files.
Redoc.init("/openapi.json", { hideDownloadButton: false }, document.getElementById("redoc"));
