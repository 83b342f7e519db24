from complaint_desk.shared.serve import serve

from .app import build_app
from .settings import IntakeSettings

if __name__ == "__main__":
    serve(build_app, IntakeSettings())
