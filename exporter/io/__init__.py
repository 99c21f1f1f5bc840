"""The only code that touches disk or ruamel: read and parse (load), locate lines, render and write
atomically keeping the file's own format (write), the project config (config) and the Amplify
project's facts (project), read into plain data before the pipeline runs."""
