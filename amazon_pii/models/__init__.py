from . import keyring_service
from . import pii_audit
from . import pii_incident
from . import pii_hold
from . import pii_entry
from . import pii_entry_info
from . import pii_vault
from . import res_config_settings
