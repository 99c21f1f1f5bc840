"""infer.py: the export's home account, region, partition, API id and stage."""

from __future__ import annotations

import pytest

from exporter.infer import infer_home


def _export(host: str | None, *arns: str) -> dict:
    integrations = {f"/p{i}": {"get": {"x-amazon-apigateway-integration": {"uri": a}}} for i, a in enumerate(arns)}
    return {"swagger": "2.0", **({"host": host} if host else {}), "basePath": "/dev", "paths": integrations}


def test_the_most_common_values_win():
    home = infer_home(_export(None, "arn:aws:sns:eu-west-1:111122223333:a", "arn:aws:sns:eu-west-1:111122223333:b",
                              "arn:aws:sns:us-east-1:444455556666:c"))
    assert (home.account, home.region, home.partition, home.stage) == ("111122223333", "eu-west-1", "aws", "dev")


@pytest.mark.parametrize("order", [("eu-west-1", "us-west-2"), ("us-west-2", "eu-west-1")])
def test_the_apis_own_host_breaks_a_tie_between_arns(order):
    # one ARN in each region, plus the host: the host's region has the most votes whatever the order
    arns = [f"arn:aws:sqs:{r}:111122223333:q" for r in order]
    assert infer_home(_export("a1b2c3d4e5.execute-api.us-west-2.amazonaws.com", *arns)).region == "us-west-2"
    # two ARNs in eu-west-1 against one in us-west-2 and the host: a tie, which the host wins
    arns = ["arn:aws:sqs:eu-west-1:111122223333:a", "arn:aws:sqs:eu-west-1:111122223333:b", "arn:aws:sqs:us-west-2:111122223333:c"]
    assert infer_home(_export("a1b2c3d4e5.execute-api.us-west-2.amazonaws.com", *arns)).region == "us-west-2"


def test_an_openapi3_server_url_counts_like_the_host():
    export = {"openapi": "3.0.1", "servers": [{"url": "https://a1b2c3d4e5.execute-api.ap-south-1.amazonaws.com/{basePath}",
                                               "variables": {"basePath": {"default": "/prod"}}}],
              "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"uri": "arn:aws:sqs:eu-west-1:111122223333:q"}}}}}
    home = infer_home(export)
    assert (home.region, home.api_id, home.stage) == ("ap-south-1", "a1b2c3d4e5", "prod")


@pytest.mark.parametrize("partition,region,suffix", [
    ("aws-eusc", "eusc-de-east-1", "amazonaws.eu"),  # partitions.json: the AWS European Sovereign Cloud
    ("aws-iso", "us-iso-east-1", "c2s.ic.gov"),
    ("aws-iso-b", "us-isob-east-1", "sc2s.sgov.gov"),
    ("aws-iso-e", "eu-isoe-west-1", "cloud.adc-e.uk"),
    ("aws-iso-f", "us-isof-south-1", "csp.hci.ic.gov"),
])
def test_every_partition_is_inferred_with_its_region_and_host(partition, region, suffix):
    arns = [f"arn:{partition}:sqs:{region}:111122223333:q", f"arn:{partition}:sns:{region}:111122223333:t"]
    home = infer_home(_export(f"a1b2c3d4e5.execute-api.{region}.{suffix}", *arns))
    assert (home.partition, home.region, home.account, home.api_id) == (partition, region, "111122223333", "a1b2c3d4e5")
    # the JSON text scan finds the same
    import json

    export = _export(None, *arns)
    home = infer_home(export, json.dumps(export))
    assert (home.partition, home.region) == (partition, region)
