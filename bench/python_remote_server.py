"""PythonRemoteServer serving the bench's keywords, for bench/remote-throughput.ts to compare with.

    python3 python_remote_server.py DIR_OF_robotremoteserver.py PORT_FILE echo
    python3 python_remote_server.py DIR_OF_robotremoteserver.py PORT_FILE qemu PATH_OF_2019_QemuUtils.py

`echo` returns its argument. `qemu` serves `qemu_init` and `qemu_add_vhost_user_if` of the 2019 QemuUtils.py
itself (its CSIT imports replaced by empty stand-ins: these two methods only build the command line).
"""

import importlib.util, sys, types
sys.path.insert(0, sys.argv[1])
from robotremoteserver import RobotRemoteServer

class Echo:
    def echo(self, value):
        return value

def load_qemu_utils(path):
    class NodeType:
        DUT, TG, VM = 'DUT', 'TG', 'VM'
    stand_ins = {'ssh': {}, 'Constants': {'Constants': object}, 'DpdkUtil': {'DpdkUtil': object},
                 'DUTSetup': {'DUTSetup': object}, 'topology': {'NodeType': NodeType, 'Topology': object},
                 'VppConfigGenerator': {'VppConfigGenerator': object}, 'VPPUtil': {'VPPUtil': object}}
    for package in ('resources', 'resources.libraries', 'resources.libraries.python'):
        sys.modules[package] = types.ModuleType(package)
    for name, members in stand_ins.items():
        module = types.ModuleType('resources.libraries.python.' + name)
        module.exec_cmd = module.exec_cmd_no_error = None
        module.__dict__.update(members)
        sys.modules[module.__name__] = module
    if 'distutils.version' not in sys.modules:
        try:
            import distutils.version  # noqa: F401 (gone in Python 3.12)
        except ImportError:
            module = types.ModuleType('distutils.version')
            module.StrictVersion = str
            sys.modules['distutils'] = types.ModuleType('distutils')
            sys.modules['distutils.version'] = module
    spec = importlib.util.spec_from_file_location('QemuUtils2019', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.QemuUtils

class Qemu:
    """The 2019 library's constructor as `Qemu Init`, as our server offers it."""
    def __init__(self, qemu_utils):
        self._class = qemu_utils
        self._vm = None
    def qemu_init(self, node, qemu_id=1, smp=1, mem=512, vnf=None, img='/var/lib/vm/vhost-nested.img',
                  bin_path='/usr/bin'):
        self._vm = self._class(node, int(qemu_id), int(smp), int(mem), vnf, img, bin_path)
    def qemu_add_vhost_user_if(self, socket, server=True, jumbo_frames=False, queue_size=None, queues=1):
        self._vm.qemu_add_vhost_user_if(socket, server, jumbo_frames, queue_size, queues)

import warnings
warnings.simplefilter('ignore')
library = Echo() if sys.argv[3] == 'echo' else Qemu(load_qemu_utils(sys.argv[4]))
RobotRemoteServer(library, host='127.0.0.1', port=0, port_file=sys.argv[2])
