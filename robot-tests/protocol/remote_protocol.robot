*** Settings ***
Documentation       The remote-library server under real Robot Framework (protocol notes §8, items 50-57).
...
...                 The suite starts the server itself (the test launcher test/fixtures/demo-cli.ts with
...                 `--library demo`, port 0 and a port file), imports it through `Remote` on two session
...                 paths with `AS` aliases, and stops it at the end.
...                 Needs `dist-test/` built (`npx tsc -p tsconfig.fixtures.json`; `scripts/run-robot.sh` does it).

Library             Collections
Library             OperatingSystem
Library             Process
Library             String
Library             ProtocolHelper.py

Suite Setup         Start Demo Server
Suite Teardown      Stop Demo Server


*** Variables ***
${ROOT}             ${CURDIR}/../..
${CLI}              ${ROOT}/dist-test/test/fixtures/demo-cli.js
${REMOTE_LIBRARY}    ${ROOT}/keywords/QemuUtilsRemote.py
# libdoc's spec of the demo library (test/fixtures/demo-library.ts), for robot --dryrun.
${DEMO_SPEC}        ${ROOT}/test/fixtures/robot/demo-library.json
# Set by the suite setup to the suite's own server; this default is what robot --dryrun imports with.
${URL}              http://127.0.0.1:8270


*** Test Cases ***
Passing keyword, return value and dot access
    A.No Operation
    ${echoed} =    A.Echo    hello
    Should Be Equal    ${echoed}    hello
    ${object} =    A.Return Value    object
    Should Be Equal    ${object.name}    vm1
    Should Be Equal    ${object.nested.cpus}    ${2}
    Should Be Equal    ${object.nested.tags}[1]    b
    ${bytes} =    A.Return Value    bytes
    Should Be Equal    ${bytes}    ${{b'\x00\x01\xe4\xff'}}
    ${date} =    A.Return Value    date
    Should Be Equal    ${date}    ${{datetime.datetime(2024, 1, 2, 3, 4, 5)}}
    ${none} =    A.Return Value    none
    Should Be Equal    ${none}    ${EMPTY}

Failing keyword fails with its message
    Run Keyword And Expect Error    plain failure    A.Fail With    plain failure
    Run Keyword And Expect Error    TypeError: typed    A.Fail With    typed    TypeError
    Run Keyword And Expect Error    DemoError: custom    A.Fail With    custom    DemoError

100 repeated calls
    FOR    ${round}    IN RANGE    100
        ${echoed} =    A.Echo    ${round}
        Should Be Equal    ${echoed}    ${round}
    END

Named arguments, kwargs, named-only arguments and varargs
    ${r} =    A.All Kinds    1    b=3    kwo=x    extra=e
    Should Be Equal    ${r}    ${{{'a': 1, 'b': 3, 'rest': [], 'kwo': 'x', 'kwo2': 'x', 'kw': {'extra': 'e'}}}}
    ${r} =    A.All Kinds    a=1    kwo=x
    Should Be Equal    ${r.b}    ${2}
    ${r} =    A.Named Only    first    kwo=k
    Should Be Equal    ${r}    ${{{'a': 'first', 'kwo': 'k', 'kwo2': 'x'}}}
    ${r} =    A.Varargs    a    b    c
    Should Be Equal    ${r.rest}    ${{['b', 'c']}}
    ${r} =    A.Free Named    a    x=1    y=2
    Should Be Equal    ${r.options}    ${{{'x': '1', 'y': '2'}}}
    ${r} =    A.Positional Only    one
    Should Be Equal    ${r}    ${{['one', 'second']}}

Embedded arguments
    A.Result of 1 + 2 should be 3
    Run Keyword And Expect Error    2 * 2 is 4, not 5.    A.Result of 2 * 2 should be 5

Wrong argument counts are rejected by Robot
    Call With Wrong Argument Counts

Conversion from declared types and typed defaults
    ${r} =    A.Typed Arguments    5    2.5    yes    none    SLOW    items=[1, '2']
    Should Be Equal    ${r}    ${{{'count': 'number 5', 'ratio': 'number 2.5', 'flag': 'boolean true', 'maybe': 'null', 'choice': 'string slow', 'items': ['number 1', 'number 2']}}}
    Call With Unconvertible Argument
    ${r} =    A.Defaults    count=5    flag=no
    Should Be Equal    ${r.count}    ${5}
    Should Be Equal    ${r.flag}    ${False}
    Should Be Equal    ${r.text}    hello

Sessions on distinct paths are separate
    ${a} =    A.Session Name
    ${b} =    B.Session Name
    Should Be Equal    ${a}    robot_a
    Should Be Equal    ${b}    robot_b
    A.Open Counter    1
    B.Open Counter    100
    ${a} =    A.Increment
    ${b} =    B.Increment    5
    Should Be Equal    ${a}    ${2}
    Should Be Equal    ${b}    ${105}
    ${last} =    A.Close Counter
    Should Be Equal    ${last}    ${2}
    Run Keyword And Expect Error    No counter in this session: run `Open Counter` first.    A.Counter Value
    ${b} =    B.Counter Value
    Should Be Equal    ${b}    ${105}
    B.Close Counter

Every log level reaches the log
    ${result} =    Run Nested Suite    logging    ${URL}/nested_logging
    ${levels} =    Evaluate    [m[0] for m in $result['messages'] if 'message' in m[1] or 'line' in m[1]]
    Should Be Equal    ${levels}    ${{['TRACE', 'DEBUG', 'INFO', 'INFO', 'WARN', 'ERROR', 'INFO', 'INFO']}}
    ${texts} =    Evaluate    [m[1] for m in $result['messages'] if 'message' in m[1] or 'line' in m[1]]
    Should Be Equal    ${texts}[3]    <b>HTML</b> message
    Should Be Equal    ${texts}[7]    first line\n\nthird line
    ${html} =    Evaluate    [m[2] for m in $result['messages'] if m[1] == '<b>HTML</b> message']
    Should Be Equal    ${html}    ${{[True]}}

Continuable failures let the test go on
    ${result} =    Run Nested Suite    continuable    ${URL}/nested_continuable
    Should Be Equal    ${result['tests']['Continues']['status']}    FAIL
    Should Be Equal    ${result['tests']['Continues']['message']}
    ...    Several failures occurred:\n\n1) first\n\n2) second
    ${reached} =    Evaluate    any(m[1] == 'reached the end' for m in $result['messages'])
    Should Be True    ${reached}

Fatal failures stop the whole run
    ${result} =    Run Nested Suite    fatal    ${URL}/nested_fatal
    Should Be Equal    ${result['tests']['Fatal']['message']}    stop everything
    Should Be Equal    ${result['tests']['Later']['status']}    FAIL
    Should Be Equal    ${result['tests']['Later']['message']}    Test execution stopped due to a fatal error.

Libdoc through get_library_information and through the getters alone
    ${info_spec} =    Libdoc Json    ${URL}/libdoc_info    info
    ${proxy} =    Start Getters Only Proxy    ${URL}/libdoc_getters
    ${getters_spec} =    Libdoc Json    ${proxy}    getters
    Stop Proxies
    Should Be Equal    ${info_spec['doc']}    ${getters_spec['doc']}
    Should Be Equal    ${info_spec['keywords']}    ${getters_spec['keywords']}
    Should Start With    ${info_spec['doc']}    <p>Demo library of the qemu-utils-remote server.</p>
    Should Contain    ${info_spec['inits'][0]['doc']}    AS    NAME
    ${keywords} =    Evaluate    {k['name']: k for k in $info_spec['keywords']}
    ${all_kinds} =    Set Variable    ${keywords['All Kinds']}
    ${kinds} =    Evaluate    [a['kind'] for a in $all_kinds['args']]
    Should Be Equal    ${kinds}
    ...    ${{['POSITIONAL_OR_NAMED', 'POSITIONAL_OR_NAMED', 'VAR_POSITIONAL', 'NAMED_ONLY', 'NAMED_ONLY', 'VAR_NAMED']}}
    ${reprs} =    Evaluate    [a['repr'] for a in $all_kinds['args']]
    Should Be Equal    ${reprs}    ${{['a: int', 'b=2', '*rest', 'kwo', 'kwo2=x', '**kw']}}
    Should Be Equal    ${all_kinds['returnType']['name']}    dict
    Should Be Equal    ${all_kinds['tags']}    ${{['arguments']}}
    ${maybe} =    Evaluate    [a for a in $keywords['Typed Arguments']['args'] if a['name'] == 'maybe'][0]
    Should Be Equal    ${maybe['repr']}    maybe: int | None = None
    Should Be True    ${maybe['type']['union']}
    ${positional} =    Evaluate    [a['kind'] for a in $keywords['Positional Only']['args']]
    Should Be Equal    ${positional}    ${{['POSITIONAL_ONLY', 'POSITIONAL_ONLY', 'POSITIONAL_ONLY_MARKER']}}
    Dictionary Should Contain Key    ${keywords}    Stop Remote Server

Libdoc list prints the printable keyword names
    ${result} =    Run Process    python3    -m    robot.libdoc    Remote::${URL}/libdoc_list    list
    Should Be Equal As Integers    ${result.rc}    0    ${result.stderr}
    ${names} =    Split To Lines    ${result.stdout}
    List Should Contain Value    ${names}    All Kinds
    List Should Contain Value    ${names}    Stop Remote Server
    List Should Contain Value    ${names}    Typed Arguments
    List Should Contain Value    ${names}    Result Of \${expression} Should Be \${result}

One information call per import
    ${info_a} =    Count Calls    ${SERVER_LOG}    /robot_a    get_library_information
    ${info_b} =    Count Calls    ${SERVER_LOG}    /robot_b    get_library_information
    ${names_a} =    Count Calls    ${SERVER_LOG}    /robot_a    get_keyword_names
    Should Be Equal    ${info_a}    ${1}
    Should Be Equal    ${info_b}    ${1}
    Should Be Equal    ${names_a}    ${0}


*** Keywords ***
Call With Wrong Argument Counts
    [Documentation]    Wrong on purpose, so robot --dryrun (which would report them) skips this keyword.
    [Tags]    robot:no-dry-run
    Run Keyword And Expect Error    Keyword 'A.Echo' expected 1 argument, got 0.    A.Echo
    Run Keyword And Expect Error    Keyword 'A.Named Only' missing named-only argument 'kwo'.    A.Named Only    a
    Run Keyword And Expect Error    Keyword 'A.Positional Only' expected 1 to 2 arguments, got 3.
    ...    A.Positional Only    1    2    3

Call With Unconvertible Argument
    [Documentation]    Wrong on purpose, so robot --dryrun (which would report it) skips this keyword.
    [Tags]    robot:no-dry-run
    Run Keyword And Expect Error    ValueError: Argument 'count' got value 'five' that cannot be converted to integer.
    ...    A.Typed Arguments    five

Start Demo Server
    ${directory} =    Evaluate    tempfile.mkdtemp(prefix='qur-robot-')    modules=tempfile
    Set Suite Variable    ${PORT_FILE}    ${directory}/port
    Set Suite Variable    ${SERVER_LOG}    ${directory}/server.log
    File Should Exist    ${CLI}    Build first: npx tsc -p tsconfig.fixtures.json (scripts/run-robot.sh does it)
    Start Process    node    ${CLI}    --library    demo    --port    0    --port-file    ${PORT_FILE}
    ...    --log-json    --log-level    debug    alias=server    stdout=${directory}/server.out    stderr=${SERVER_LOG}
    Wait Until Created    ${PORT_FILE}    timeout=60s
    ${port} =    Get File    ${PORT_FILE}
    Set Suite Variable    ${URL}    http://127.0.0.1:${port}
    # Robot's Remote (the subclass only adds keywords known without a server): robot --dryrun imports these
    # with the default ${URL} and the demo library's stored spec, and checks every call through A and B.
    Import Library    ${REMOTE_LIBRARY}    ${URL}/robot_a    spec=${DEMO_SPEC}    AS    A
    Import Library    ${REMOTE_LIBRARY}    ${URL}/robot_b    spec=${DEMO_SPEC}    AS    B

Stop Demo Server
    ${stopped} =    Run Keyword And Return Status    A.Stop Remote Server
    ${result} =    Wait For Process    server    timeout=30s    on_timeout=kill
    Should Be True    ${stopped}    Stop Remote Server failed
    Should Be Equal As Integers    ${result.rc}    0
    Should Match Regexp    ${result.stdout}
    ...    ^Robot Framework remote server at 127\\.0\\.0\\.1:\\d+ started\\.\\nRobot Framework remote server at 127\\.0\\.0\\.1:\\d+ stopped\\.$
    File Should Not Exist    ${PORT_FILE}

Libdoc Json
    [Arguments]    ${uri}    ${name}
    ${directory} =    Evaluate    tempfile.mkdtemp(prefix='qur-libdoc-')    modules=tempfile
    ${result} =    Run Process    python3    -m    robot.libdoc    Remote::${uri}    ${directory}/${name}.json
    Should Be Equal As Integers    ${result.rc}    0    libdoc failed: ${result.stdout} ${result.stderr}
    ${spec} =    Load Json    ${directory}/${name}.json
    RETURN    ${spec}
