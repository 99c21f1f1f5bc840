"""Destinations, one module each: standalone (a new template), template (merged into a given
template, SAM included), amplify_classic (an Amplify project that edits the API template in place),
amplify_cli7 (Amplify CLI >= 7: the change goes to override.ts), adopt (--adopt: the standalone
template cut for CloudFormation resource import, and its resources-to-import file), cdk (a CDK app: a
SpecRestApi construct over the Body), amplify_gen2 (that construct in an Amplify Gen 2 project). A new destination is one module
with a class following exporter.targets.base.Target, listed in TARGETS (first that applies wins)."""

from __future__ import annotations

from typing import Any

from exporter.targets.adopt import Adopt
from exporter.targets.amplify_classic import AmplifyClassic
from exporter.targets.amplify_cli7 import AmplifyCli7
from exporter.targets.base import Built, Target
from exporter.targets.amplify_gen2 import AmplifyGen2
from exporter.targets.cdk import CdkApp
from exporter.targets.standalone import Standalone
from exporter.targets.template import TemplateMerge

TARGETS: tuple[type, ...] = (CdkApp, AmplifyGen2, AmplifyCli7, AmplifyClassic, TemplateMerge, Adopt, Standalone)

__all__ = ["TARGETS", "Built", "Target", "choose"]


def choose(conv: Any) -> Target:
    """The destination of a conversion."""
    return next(t for t in TARGETS if t.applies(conv))()
