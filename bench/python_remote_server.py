"""PythonRemoteServer serving an `echo` keyword, for bench/remote-throughput.ts to compare with.

    python3 python_remote_server.py DIR_OF_robotremoteserver.py PORT_FILE
"""

import sys
sys.path.insert(0, sys.argv[1])
from robotremoteserver import RobotRemoteServer
class Echo:
    def echo(self, value):
        return value
RobotRemoteServer(Echo(), host='127.0.0.1', port=0, port_file=sys.argv[2])
