package sandbox

// KillLauncher kills the launcher's child, as a crash would.
func KillLauncher(l *Launcher) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cmd.Process.Kill()
	l.cmd.Wait()
}
