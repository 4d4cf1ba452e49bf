// Compiled by MSBuild's RoslynCodeTaskFactory from TinyGpt.targets; the tests compile it too
// (with TINYGPT_ELF_ONLY, which leaves out the MSBuild task and keeps the ELF editing).
//
// Why: TorchSharp 0.107's libLibTorchSharp.so was linked by GCC 13 and lists GLIBCXX_3.4.32
// among the libstdc++ versions it needs, for one marker symbol that no relocation uses.
// Debian 12 and Ubuntu 22.04 stop at GLIBCXX_3.4.30, so the loader refuses the library and
// TorchSharp then reports that no libtorch package is referenced. Marking that one version
// need weak (VER_FLG_WEAK) tells the loader that it may be absent; nothing else changes.
#nullable enable
using System;
using System.IO;
using System.Text;

namespace TinyGpt.Build
{
#if !TINYGPT_ELF_ONLY
    using Microsoft.Build.Framework;
    using Microsoft.Build.Utilities;

    /// <summary>Marks a libstdc++ version need weak in built copies of libLibTorchSharp.so when this system lacks it.</summary>
    public sealed class PatchLibTorchSharp : Task
    {
        /// <summary>Built copies of libLibTorchSharp.so (never the NuGet cache's).</summary>
        [Required]
        public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The version to make optional.</summary>
        public string Version { get; set; } = "GLIBCXX_3.4.32";

        public override bool Execute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux))
                return true;
            string? libstdcxx = SystemLibStdCxx.Find();
            if (libstdcxx != null && SystemLibStdCxx.Provides(libstdcxx, Version))
            {
                Log.LogMessage(MessageImportance.Low, "TinyGpt: {0} provides {1}; libLibTorchSharp.so loads unpatched.", libstdcxx, Version);
                return true;
            }
            foreach (ITaskItem item in Libraries)
            {
                string path = item.GetMetadata("FullPath");
                try
                {
                    switch (ElfVersionNeeds.MakeWeak(path, Version))
                    {
                        case PatchOutcome.Patched:
                            Log.LogMessage(MessageImportance.High,
                                "TinyGpt: marked {0} optional in {1}: this system's libstdc++ ({2}) lacks it, and TorchSharp uses no symbol of it.",
                                Version, path, libstdcxx ?? "not found");
                            break;
                        case PatchOutcome.AlreadyWeak:
                            Log.LogMessage(MessageImportance.Low, "TinyGpt: {0} already optional in {1}.", Version, path);
                            break;
                        case PatchOutcome.NotNeeded:
                            Log.LogMessage(MessageImportance.Low, "TinyGpt: {0} does not need {1}.", path, Version);
                            break;
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
                {
                    Log.LogWarning("TinyGpt: could not patch {0} ({1}); TorchSharp may fail to load on this system.", path, e.Message);
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif

    public enum PatchOutcome { Patched, AlreadyWeak, NotNeeded }

    /// <summary>Reads and edits the version needs (the .gnu.version_r section) of a 64-bit little-endian ELF file.</summary>
    public static class ElfVersionNeeds
    {
        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlgWeak = 0x2;

        /// <summary>Sets VER_FLG_WEAK on <paramref name="version"/>'s need, writing a new file in place of the old one.</summary>
        public static PatchOutcome MakeWeak(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            int flagsOffset = FindFlagsOffset(elf, version);
            if (flagsOffset < 0) return PatchOutcome.NotNeeded;
            ushort flags = BitConverter.ToUInt16(elf, flagsOffset);
            if ((flags & VerFlgWeak) != 0) return PatchOutcome.AlreadyWeak;

            flags |= VerFlgWeak;

            // Patch a copy beside it, then rename it over: the file gets a new inode, so a hard
            // link into the NuGet cache stays untouched (on Unix File.Replace is rename(2)), and a
            // crash leaves either the old file or the new one. File.Copy keeps the permission
            // bits; keeping the timestamp lets the next incremental build see the copy as up to
            // date instead of copying it again. The temporary name is unique so that two builds
            // patching one output folder at once both succeed (with the same bytes).
            DateTime written = File.GetLastWriteTimeUtc(path);
            string temp = path + "." + Guid.NewGuid().ToString("N") + ".tinygpt-tmp";
            try
            {
                File.Copy(path, temp, overwrite: true);
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
                {
                    stream.Position = flagsOffset;
                    stream.Write(new[] { (byte)flags, (byte)(flags >> 8) }, 0, 2);
                }
                File.SetLastWriteTimeUtc(temp, written);
                File.Replace(temp, path, destinationBackupFileName: null);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return PatchOutcome.Patched;
        }

        /// <summary>True when the file needs <paramref name="version"/> and marks it weak.</summary>
        public static bool IsWeak(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            int offset = FindFlagsOffset(elf, version);
            return offset >= 0 && (BitConverter.ToUInt16(elf, offset) & VerFlgWeak) != 0;
        }

        /// <summary>File offset of the vna_flags field of the need for <paramref name="version"/>, or -1.</summary>
        static int FindFlagsOffset(byte[] elf, string version)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only 64-bit little-endian ELF files are handled");

            long sectionTable = (long)BitConverter.ToUInt64(elf, 0x28);
            int entrySize = BitConverter.ToUInt16(elf, 0x3A);
            int sectionCount = BitConverter.ToUInt16(elf, 0x3C);
            for (int i = 0; i < sectionCount; i++)
            {
                int header = checked((int)(sectionTable + (long)i * entrySize));
                if (BitConverter.ToUInt32(elf, header + 0x04) != ShtGnuVerneed) continue;

                int needs = checked((int)BitConverter.ToUInt64(elf, header + 0x18));
                int needCount = (int)BitConverter.ToUInt32(elf, header + 0x2C);
                int stringTableHeader = checked((int)(sectionTable + (long)BitConverter.ToUInt32(elf, header + 0x28) * entrySize));
                int strings = checked((int)BitConverter.ToUInt64(elf, stringTableHeader + 0x18));

                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
                // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
                int need = needs;
                for (int n = 0; n < needCount; n++)
                {
                    int auxCount = BitConverter.ToUInt16(elf, need + 2);
                    int aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        if (ReadString(elf, strings + (int)BitConverter.ToUInt32(elf, aux + 8)) == version)
                            return aux + 4;
                        aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                    }
                    need += (int)BitConverter.ToUInt32(elf, need + 12);
                }
            }
            return -1;
        }

        static string ReadString(byte[] elf, int start)
        {
            int end = Array.IndexOf(elf, (byte)0, start);
            return Encoding.ASCII.GetString(elf, start, end - start);
        }
    }

    /// <summary>Finds the libstdc++ the dynamic loader would pick and tells which versions it defines.</summary>
    public static class SystemLibStdCxx
    {
        static readonly string[] Folders =
        {
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib",
        };

        public static string? Find()
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            var folders = (fromEnvironment ?? "").Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries);
            foreach (string folder in folders)
                if (File.Exists(Path.Combine(folder, "libstdc++.so.6"))) return Path.Combine(folder, "libstdc++.so.6");
            foreach (string folder in Folders)
                if (File.Exists(Path.Combine(folder, "libstdc++.so.6"))) return Path.Combine(folder, "libstdc++.so.6");
            return null;
        }

        /// <summary>Version names are stored as NUL-terminated strings in the library's string table.</summary>
        public static bool Provides(string library, string version)
        {
            byte[] bytes = File.ReadAllBytes(library);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 1; i + needle.Length <= bytes.Length; i++)
            {
                if (bytes[i - 1] != 0 || bytes[i] != needle[0]) continue;
                int k = 1;
                while (k < needle.Length && bytes[i + k] == needle[k]) k++;
                if (k == needle.Length) return true;
            }
            return false;
        }
    }
}
