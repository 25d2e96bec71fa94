@timers
Feature: upssched timers
  upssched turns upsmon's notifications into timers and commands.
  START-TIMER, CANCEL-TIMER and EXECUTE behave as NUT documents them, with
  the fixes later NUT made (a timer started twice runs once: NUT 2.8.5,
  issue #3097).

  Background:
    Given a UPS "eaton" simulated as an Ellipse ECO 650 at 20% load
    And upsmon monitors "eaton@localhost" as primary
    And this upsmon.conf:
      """
      NOTIFYCMD upssched
      POLLFREQ 5
      POLLFREQALERT 5
      NOTIFYFLAG ONBATT EXEC
      NOTIFYFLAG ONLINE EXEC
      NOTIFYFLAG LOWBATT EXEC
      NOTIFYFLAG REPLBATT EXEC
      """

  Scenario: START-TIMER runs CMDSCRIPT with the timer name when it expires
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER earlyshutdown 120
      """
    When mains power fails
    And 10 minutes pass
    Then CMDSCRIPT ran "earlyshutdown" 1 time
    And the timer "earlyshutdown" fired between 120 and 126 seconds after the outage

  Scenario: CANCEL-TIMER stops a running timer
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER earlyshutdown 120
      AT ONLINE * CANCEL-TIMER earlyshutdown
      """
    When mains power fails
    And 60 seconds pass
    And mains power returns
    And 5 minutes pass
    Then CMDSCRIPT never ran "earlyshutdown"
    And the timer "earlyshutdown" was cancelled 1 time

  Scenario: CANCEL-TIMER with a command runs it when no timer is running
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 30
      AT ONLINE * CANCEL-TIMER onbattwarn power-restored-after-warning
      """
    When mains power fails
    And 2 minutes pass
    And mains power returns
    And 1 minute passes
    Then CMDSCRIPT ran "onbattwarn" 1 time
    And CMDSCRIPT ran "power-restored-after-warning" 1 time

  Scenario: CANCEL-TIMER with a command does not run it when it cancels a timer
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 30
      AT ONLINE * CANCEL-TIMER onbattwarn power-restored-after-warning
      """
    When mains power fails
    And 10 seconds pass
    And mains power returns
    And 1 minute passes
    Then CMDSCRIPT never ran "onbattwarn"
    And CMDSCRIPT never ran "power-restored-after-warning"

  # @realtime: also run as real processes in real time (tests/faithful).
  # Such a scenario lets 2 s pass before the outage: a real upsmon makes
  # its first poll some tens of milliseconds after it starts, when the
  # driver may already publish a change made at 0 s; the lab's upsmon
  # polls at exactly 0 s, before it.
  @realtime
  Scenario: EXECUTE runs the command at once
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * EXECUTE on-battery-now
      """
    When 2 seconds pass
    And mains power fails
    And 10 seconds pass
    Then CMDSCRIPT ran "on-battery-now" 1 time
    And CMDSCRIPT ran "on-battery-now" within 6 seconds of the outage

  @flapping
  Scenario: A timer started twice fires twice, as in every NUT (a documented pitfall)
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 60
      """
    When mains flaps 1 times every 20 seconds
    And mains power fails
    And 5 minutes pass
    Then CMDSCRIPT ran "onbattwarn" 2 times

  @flapping
  Scenario: START-TIMER-SHARED joins the running timer, so it fires once (NUT 2.8.5)
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER-SHARED onbattwarn 60
      """
    When mains flaps 2 times every 20 seconds
    And mains power fails
    And 5 minutes pass
    Then CMDSCRIPT ran "onbattwarn" 1 time

  @flapping
  Scenario: CANCEL-TIMER stops every copy of a doubled timer (NUT 2.8.5; 2.8.0 stopped only the first)
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 120
      AT LOWBATT * CANCEL-TIMER onbattwarn
      AT REPLBATT * CANCEL-TIMER onbattwarn
      """
    When mains flaps 1 times every 20 seconds
    And mains power fails
    And 10 seconds pass
    And the battery needs replacing
    And 5 minutes pass
    Then the timer "onbattwarn" was started 2 times
    And the timer "onbattwarn" was cancelled 2 times
    And CMDSCRIPT never ran "onbattwarn"

  @realtime
  Scenario: A per-UPS AT line matches the full MONITOR system name only
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT eaton@localhost EXECUTE full-name-matched
      AT ONBATT eaton EXECUTE short-name-matched
      """
    When 2 seconds pass
    And mains power fails
    And 10 seconds pass
    Then CMDSCRIPT ran "full-name-matched" 1 time
    And CMDSCRIPT never ran "short-name-matched"

  @two-ups
  Scenario: Two UPS at once keep their own per-UPS timers
    Given a second UPS "backup" simulated as an Ellipse ECO 650 at 10% load
    And upsmon monitors "backup@localhost" as primary
    And this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT eaton@localhost START-TIMER eaton-out 60
      AT ONBATT backup@localhost START-TIMER backup-out 60
      AT ONLINE eaton@localhost CANCEL-TIMER eaton-out
      AT ONLINE backup@localhost CANCEL-TIMER backup-out
      """
    When mains power fails on "eaton"
    And 20 seconds pass
    And mains power fails on "backup"
    And 20 seconds pass
    And mains power returns on "eaton"
    And 3 minutes pass
    Then CMDSCRIPT never ran "eaton-out"
    And CMDSCRIPT ran "backup-out" 1 time

  @two-ups
  Scenario: A star AT line matches every UPS
    Given a second UPS "backup" simulated as an Ellipse ECO 650 at 10% load
    And upsmon monitors "backup@localhost" as primary
    And this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * EXECUTE some-ups-on-battery
      """
    When mains power fails on "eaton"
    And mains power fails on "backup"
    And 10 seconds pass
    Then CMDSCRIPT ran "some-ups-on-battery" 2 times

  Scenario Outline: Timer expiry is precise to the poll interval
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER t <seconds>
      """
    When mains power fails
    And 15 minutes pass
    Then the timer "t" fired between <low> and <high> seconds after the outage

    Examples:
      | seconds | low | high |
      | 1       | 1   | 6    |
      | 30      | 30  | 36   |
      | 300     | 300 | 306  |

  Scenario: The timer daemon leaves about 15 seconds after its last timer
    Given this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 30
      """
    When mains power fails
    And 2 minutes pass
    Then the upssched timer daemon exited between 14 and 17 seconds after its last timer fired

  # Also run as real processes in real time (tests/faithful): 1 s polls,
  # a 3 s timer.
  @realtime
  Scenario: CANCEL-TIMER with a command runs it when no timer is running (real-time timings)
    Given this upsmon.conf line: "POLLFREQ 1"
    And this upsmon.conf line: "POLLFREQALERT 1"
    And this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 3
      AT ONLINE * CANCEL-TIMER onbattwarn power-restored-after-warning
      """
    When 2 seconds pass
    And mains power fails
    And 6 seconds pass
    And mains power returns
    And 3 seconds pass
    Then CMDSCRIPT ran "onbattwarn" 1 time
    And CMDSCRIPT ran "power-restored-after-warning" 1 time

  @realtime
  Scenario: CANCEL-TIMER with a command does not run it when it cancels a timer (real-time timings)
    Given this upsmon.conf line: "POLLFREQ 1"
    And this upsmon.conf line: "POLLFREQALERT 1"
    And this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 4
      AT ONLINE * CANCEL-TIMER onbattwarn power-restored-after-warning
      """
    When 2 seconds pass
    And mains power fails
    And 2 seconds pass
    And mains power returns
    And 5 seconds pass
    Then CMDSCRIPT never ran "onbattwarn"
    And CMDSCRIPT never ran "power-restored-after-warning"
    And the timer "onbattwarn" was cancelled 1 time
