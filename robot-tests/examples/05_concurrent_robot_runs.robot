*** Settings ***
Documentation       Two Robot runs at once against one server, as pabot runs suites in parallel. Each run puts
...                 its sessions under a path of its own (keywords/qemu_sessions.resource: ``pabot<index>/`` from
...                 pabot's ``${PABOTQUEUEINDEX}``, or ``${QEMU_SESSION_PREFIX}``), so the runs never share a VM
...                 or a VM manager. The second test shows what happens without that: the runs meet in one
...                 session and one of them finds the other's VM there.
...
...                 Dry-run nodes only: needs ``dist/`` built, no test bed.
Library             OperatingSystem
Library             Process
Resource            testbed.resource

Suite Setup         Start QemuUtils Server
Suite Teardown      Stop QemuUtils Server


*** Variables ***
${WORKER_SUITE}     ${CURDIR}/_nested/pabot_worker.robot


*** Test Cases ***
Two concurrent runs, each on its own session paths
    # Queue indexes no suite of a real pabot run of the examples has, so they may share its server too.
    @{results} =    Run Two Workers    --variable    PABOTQUEUEINDEX:90    --variable    PABOTQUEUEINDEX:91
    FOR    ${result}    IN    @{results}
        Should Be Equal As Integers    ${result.rc}    0    a concurrent run failed:\n${result.stdout}
    END
    # The server's own log, when it is this suite's server, names the sessions the runs used and ended.
    IF    ${QEMU_OWN_SERVER}
        ${log} =    Get File    ${SERVER_DIR}/server.log
        FOR    ${path}    IN    /pabot90/DUT1_vm1    /pabot91/DUT1_vm1    /pabot90/vnf_manager    /pabot91/vnf_manager
            Should Contain    ${log}    session=${path} method=run_keyword keyword=qemu_close status=PASS
        END
    END

Without their own paths, concurrent runs meet in one session
    @{results} =    Run Two Workers    --variable    QEMU_SESSION_PREFIX:shared/    --variable    QEMU_SESSION_PREFIX:shared/
    ${failed} =    Evaluate    [r for r in $results if r.rc != 0]
    Should Not Be Empty    ${failed}    both runs passed although they shared their sessions
    # The run that created its VM first finds the other's VM (or manager) in the session.
    Should Match Regexp    ${failed[0].stdout}    does not contain '(-pidfile /var/run/qemu_5[78]\\.pid|== DUT1_\\d+: VM)


*** Keywords ***
Run Two Workers
    [Documentation]    Runs the worker suite twice at once: worker 0 with ``option0 value0``, worker 1 with
    ...    ``option1 value1``. Returns both results.
    [Arguments]    ${option0}    ${value0}    ${option1}    ${value1}
    ${sync} =    Evaluate    tempfile.mkdtemp(prefix='qur-pabot-')    modules=tempfile
    FOR    ${worker}    ${option}    ${value}    IN    0    ${option0}    ${value0}    1    ${option1}    ${value1}
        ${other} =    Evaluate    1 - ${worker}
        Start Process    python3    -m    robot    --output    ${sync}/output-${worker}.xml    --log    NONE
        ...    --report    NONE    --console    verbose    --variable    QEMU_REMOTE_URI:${QEMU_REMOTE_URI}
        ...    --variable    WORKER:${worker}    --variable    OTHER:${other}    --variable    SYNC_DIR:${sync}
        ...    ${option}    ${value}    ${WORKER_SUITE}    alias=worker${worker}    stderr=STDOUT
    END
    ${result0} =    Wait For Process    worker0    timeout=180s    on_timeout=kill
    ${result1} =    Wait For Process    worker1    timeout=180s    on_timeout=kill
    Remove Directory    ${sync}    recursive=True
    RETURN    ${result0}    ${result1}
