from . import test_security_groups
from . import test_vault_access
from . import test_vault_retention
from . import test_vault_keys
from . import test_audit_chain
from . import test_incidents
from . import test_settings
from . import test_vault_rpc
