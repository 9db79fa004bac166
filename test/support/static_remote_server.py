"""A minimal Robot remote server answering `get_library_information` from a JSON file.

Used by the docs tests to compare our libdoc spec with what real libdoc produces for the same keywords.
Usage: python3 static_remote_server.py INFO.json  (prints the bound port on stdout, then serves forever).
"""
import json
import sys
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


class AnyPathHandler(SimpleXMLRPCRequestHandler):
    # Robot sends the session path of the import URL: serve every path, as the real server does.
    rpc_paths = ()


def main():
    with open(sys.argv[1], encoding="utf-8") as source:
        info = json.load(source)
    server = SimpleXMLRPCServer(
        ("127.0.0.1", 0), requestHandler=AnyPathHandler, logRequests=False, allow_none=True
    )
    server.register_function(lambda: info, "get_library_information")
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
