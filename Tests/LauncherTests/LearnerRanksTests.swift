import Foundation
@testable import Launcher
import Trainer
import Testing

/// The learner's data-parallel ranks as a user runs them: real `mpirun`, real processes.
@Suite("Learner ranks (MPI)", .serialized)
struct LearnerRanksTests {
    /// mpirun from Open MPI (the Makefile installs openmpi-bin; a missing one is a failure, not a skip).
    func mpirun() throws -> [String] {
        let path = try #require(["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                "mpirun is missing: make deps installs openmpi-bin")
        return [path, "--bind-to", "none", "--oversubscribe"] + (getuid() == 0 ? ["--allow-run-as-root"] : [])
    }

    func parameters(_ path: String) throws -> [Float] {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        return d.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func relativeDifference(_ a: [Float], _ b: [Float]) -> Double {
        let diff = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        return (diff / a.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
    }

    @Test func twoRanksUpdateAsOneDoes() throws {
        let bin = try #require(Harness.binary)
        let dir = Harness.tempDir("ranks")
        let args = ["ranks", "--updates", "5", "--groups", "12", "--group-size", "4", "--layers", "2", "--width", "64"]
        let start = Child(bin, args + ["--updates", "0", "--out", dir + "/start.bin"])
        #expect(start.waitExit(timeout: 120) == 0, "\(start.output)")
        let one = Child(bin, args + ["--out", dir + "/one.bin"])
        #expect(one.waitExit(timeout: 300) == 0, "\(one.output)")
        let mpi = try mpirun()
        let two = Child(mpi[0], Array(mpi.dropFirst()) + ["-np", "2", bin] + args + ["--out", dir + "/two.bin"])
        #expect(two.waitExit(timeout: 300) == 0, "\(two.output)")
        #expect(two.output.contains("2 rank(s): 5 updates") && two.output.contains("learner rank 1 of 2: 5 updates, done"), "\(two.output)")
        let (s, a, b) = try (parameters(dir + "/start.bin"), parameters(dir + "/one.bin"), parameters(dir + "/two.bin"))
        try #require(a.count == b.count && a.count == s.count && !a.isEmpty)
        #expect(relativeDifference(a, s) > 1e-3, "five updates move the parameters")
        #expect(relativeDifference(a, b) <= 1e-5, "two ranks: \(relativeDifference(a, b)) from one rank")
    }

    @Test func aClusterWithTwoLearnerRanksTrainsWithNothingLost() throws {
        let bin = try #require(Harness.binary)
        _ = try #require(Harness.tinyBase)
        let out = Harness.tempDir("ranks-cluster")
        let c = Child(bin, ["launch", "configs/default.yaml"] + Harness.smallRun(out: out, port: Harness.freshPort(), steps: 6)
                           + ["--set", "cluster.learner_ranks=2", "--set", "cluster.rank_check_every=2"])
        #expect(c.waitExit(timeout: 300) == 0, "\(c.output)")
        #expect(c.output.contains("learner (2 ranks under mpirun)"))
        #expect(c.output.contains("learner rank 1 of 2: 6 updates, done"), "the second rank followed every update")
        let s = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        #expect(s.steps == 6)
        #expect(s.ledger.lost == 0)
        #expect(s.ledger.trained == 6 * 4)
    }

    @Test func aKilledRankEndsTheRunAndOneRankResumesIt() throws {
        let bin = try #require(Harness.binary)
        _ = try #require(Harness.tinyBase)
        let out = Harness.tempDir("ranks-kill")
        let port = Harness.freshPort()
        let c = Child(bin, ["launch", "configs/default.yaml"] + Harness.smallRun(out: out, port: port, steps: 1000)
                           + ["--set", "cluster.learner_ranks=2"])
        let follower = try #require(c.waitFor("learner rank 1 of 2 (pid", timeout: 120), "\(c.output)")
        let pid = try #require(Int32(follower.split(separator: "(pid ").last!.prefix { $0.isNumber }))
        try #require(c.waitFor("[learner] step 3/", timeout: 120) != nil, "\(c.output)")
        kill(pid, SIGKILL)
        // cluster.worker_timeout is 2 s in the small run; mpirun ends the job as soon as it sees the rank die.
        let killed = Date()
        #expect(c.waitExit(timeout: 60) != 0)
        #expect(Date().timeIntervalSince(killed) < 30, "the run ended \(Date().timeIntervalSince(killed)) s after the rank died")
        #expect(c.output.contains("rank 1") && c.output.contains("continue with --resume"), "\(c.output)")
        let state = try JSONDecoder().decode(RunState.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/checkpoint/run_state.json")))
        #expect(state.step >= 2, "a checkpoint no older than run.checkpoint_every (2) steps before the kill at step ≥ 3")
        // One rank continues it: every prompt trained once, none lost.
        let resumed = Child(bin, ["launch", "configs/default.yaml", "--resume"] + Harness.smallRun(out: out, port: port, steps: state.step + 2))
        #expect(resumed.waitExit(timeout: 300) == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming at step \(state.step), cursor \(state.cursor)"))
        let s = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        #expect(s.steps == state.step + 2)
        #expect(s.ledger.lost == 0)
        #expect(s.ledger.trained == (state.step + 2) * 4)
    }
}

/// `launch` with the learner's ranks on two machines through an Open MPI hostfile over ssh
/// (each machine a network namespace with its own sshd), the actors relaying the weights.
@Suite("MPI hostfile", .serialized)
struct MPIHostfileTests {
    @Test func twoRanksOnTwoMachinesTrainWithActorsOnAThird() throws {
        let bin = try #require(Harness.binary)
        let base = try #require(Harness.tinyBase)
        let out = Harness.tempDir("mpi-hostfile")
        guard let (status, c) = Harness.script("MPI hostfile test", ["scripts/mpi_hostfile_test.sh", bin, base, out,
                                                                      String(Harness.freshPort())]) else { return }
        #expect(status == 0, "\(c.output)")
        let s = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/run/summary.json")))
        #expect(s.steps == 4 && s.ledger.lost == 0)
        #expect(c.output.contains("weights v0 arrived from tcp://10.214."), "the chain's head took the weights from rank 0's machine")
    }
}

/// cluster/slurm_cluster.sbatch on a real single-node Slurm (munged, slurmctld, slurmd
/// started by the script on a private config).
@Suite("Slurm", .serialized)
struct SlurmTests {
    @Test func theBatchScriptRunsRanksAndActorsInOneAllocation() throws {
        let bin = try #require(Harness.binary)
        let base = try #require(Harness.tinyBase)
        let out = Harness.tempDir("slurm")
        guard let (status, c) = Harness.script("Slurm test", ["scripts/slurm_test.sh", bin, base, out, String(Harness.freshPort()),
                                                              String(Harness.freshPort()), "2"]) else { return }
        #expect(status == 0, "\(c.output)")
        let s = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/run/summary.json")))
        #expect(s.steps == 4 && s.ledger.lost == 0)
        #expect(c.output.contains("learner rank 1 of 2: 4 updates, done"), "both learner ranks ran")
        #expect(c.output.contains("-actor-0 joined from") && c.output.contains("-actor-1 joined from"), "two actors as srun tasks")
    }
}

/// A process on an emulated machine: its cgroup has the quota and holds the process.
@Suite("Emulated machines")
struct EmulatedMachineTests {
    @Test func aMachineHasItsQuotaAndItsProcess() throws {
        guard getuid() == 0 else {
            withKnownIssue("emulated machines need root (cgroup CPU quotas)") { throw SkipError() }
            return
        }
        let parent = try EmulatedMachine.parent(named: "nanoreasoner-test-\(getpid())")
        defer { EmulatedMachine.remove(parent: parent) }
        let machine = try EmulatedMachine.make("m1", cpus: 0.25, under: parent)
        let v1 = FileManager.default.fileExists(atPath: machine.path + "/cpu.cfs_quota_us")
        let quota = try String(contentsOfFile: machine.path + (v1 ? "/cpu.cfs_quota_us" : "/cpu.max"), encoding: .utf8)
        #expect(quota.hasPrefix("2500"), "a quarter of the 10 ms period: \(quota)")
        let sleeper = Child("/bin/sleep", ["30"])
        defer { sleeper.signal(SIGKILL); _ = sleeper.waitExit(timeout: 10) }
        try machine.place(sleeper.process.processIdentifier)
        let procs = try String(contentsOfFile: machine.path + "/cgroup.procs", encoding: .utf8)
        #expect(procs.split(separator: "\n").contains(Substring(String(sleeper.process.processIdentifier))))
    }
}

/// `cluster.mpirun_args` split as a shell would, so a quoted value stays one argument.
struct MPIRunWordsTests {
    @Test func quotesKeepAValueWhole() {
        #expect(MPIRun.words("--hostfile h  --mca plm_rsh_agent \"ssh -i k\" -x 'A=b c'") ==
                ["--hostfile", "h", "--mca", "plm_rsh_agent", "ssh -i k", "-x", "A=b c"])
        #expect(MPIRun.words("") == [])
        #expect(MPIRun.words("--mca x \"open") == nil, "an unclosed quote is an error, not a guess")
    }
}

/// Emulated machines' network: namespaces on a bridge, links shaped both ways, and what a
/// killed bench left behind removed by the next.
@Suite("Emulated network")
struct EmulatedNetworkTests {
    static func ip(_ args: [String]) -> String { (try? EmulatedNetwork.run(args)) ?? "" }

    @Test func machinesGetShapedLinksAndADeadRunsLeftoversGo() throws {
        guard getuid() == 0 else {
            withKnownIssue("network namespaces and tc need root") { throw SkipError() }
            return
        }
        // A pid no process has any more, and what a bench of that pid would have left.
        let gone = Child("/bin/true", [])
        _ = gone.waitExit(timeout: 10)
        let dead = gone.process.processIdentifier
        _ = try EmulatedNetwork.run(["netns", "add", "nr\(dead)-0"])
        _ = try EmulatedNetwork.run(["link", "add", "nr\(dead)br", "type", "bridge"])

        let net = try EmulatedNetwork(machines: 2, megabitsPerSecond: 100)
        defer { net.remove() }
        let spaces = Self.ip(["netns", "list"])
        #expect(!spaces.contains("nr\(dead)-0"), "the dead run's namespace is removed")
        #expect(!Self.ip(["-o", "link", "show"]).contains("nr\(dead)br"), "and its bridge")
        #expect(spaces.contains(net.namespace(of: 0)) && spaces.contains(net.namespace(of: 1)))
        let inside = (try? EmulatedNetwork.run(["-n", net.namespace(of: 1), "qdisc", "show"], tool: "/usr/sbin/tc")) ?? ""
        #expect(inside.contains("tbf") && inside.contains("100Mbit"), "the machine's own end is shaped: \(inside)")
        net.remove()
        #expect(!Self.ip(["netns", "list"]).contains(net.namespace(of: 0)), "remove() deletes what it made")
    }
}
