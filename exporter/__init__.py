"""export-to-cfn: API Gateway console exports in, clean CloudFormation out."""

__version__ = "0.1.0"
