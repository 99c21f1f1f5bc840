"""export-to-cfn: API Gateway console exports in, clean CloudFormation out."""

__version__ = "0.2.0"
