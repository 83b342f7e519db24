from complaint_desk.shared.serve import serve

from .app import build_app
from .settings import NotifySettings

if __name__ == "__main__":
    serve(build_app, NotifySettings())
