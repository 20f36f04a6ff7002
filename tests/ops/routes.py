ROUTES: list = []

EXEMPT = {
    "healthz": "public probe for load balancers, holds no data: tests/ops/test_health_and_logs.py",
    "readyz": "public probe for load balancers, holds no data: tests/ops/test_health_and_logs.py",
}
