"""Amazon's error shape: ``{"errors": [{"code", "message", "details"}]}``."""


def error_body(code, message, details=""):
    return {"errors": [{"code": code, "message": message, "details": details}]}


class ApiError(Exception):
    """Raised by handlers; becomes an Amazon-shaped error response."""

    def __init__(self, status, code, message, details="", headers=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.body = error_body(code, message, details)
        self.headers = headers or {}


def invalid_input(details, message="Invalid Input"):
    return ApiError(400, "InvalidInput", message, details)
