{
    "name": "Amazon PII Vault",
    "summary": "Encrypted, audited storage of Amazon buyer data under Amazon's "
    "Data Protection Policy",
    "version": "18.0.1.0.0",
    "category": "Sales/Amazon",
    "author": "Amazon Seller Suite Authors",
    "license": "LGPL-3",
    "depends": ["base", "mail", "auth_totp"],
    "external_dependencies": {"python": ["cryptography"]},
    "data": [
        "security/amazon_security.xml",
    ],
    "installable": True,
}
