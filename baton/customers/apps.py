from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "baton.customers"
    label = "customers"
