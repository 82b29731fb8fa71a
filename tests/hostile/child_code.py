"""Source text shared by the hostile tests' child scripts (run with ``python -c``)."""

#: ``peak_mb()``: this process's peak resident memory in MiB.  VmHWM from
#: /proc is the process's own high-water mark; ru_maxrss, the fallback, also
#: carries the parent's (the pytest process) over a fork on Linux.  The child
#: script must import ``resource`` and ``sys`` before this text.
PEAK_MB = r'''
def peak_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
'''
