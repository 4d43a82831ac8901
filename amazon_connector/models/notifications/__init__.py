from . import amazon_notification
from . import amazon_notification_subscription
from . import amazon_account_notifications
from . import amazon_notification_consumer
