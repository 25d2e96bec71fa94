@storms
Feature: Suppressing notify storms
  A small UPS on a bad power line goes on and off battery many times a day.
  The NUT documentation ("Suppressing notify storms") uses upssched so that
  a short blip does nothing and only a real outage runs the delayed command.
  These scenarios prove such a setup before the power fails for real.

  Background:
    Given a UPS "eaton" simulated as an Ellipse ECO 650 at 20% load
    And upsmon monitors "eaton@localhost" as primary
    And this upsmon.conf:
      """
      NOTIFYCMD upssched
      POLLFREQ 5
      POLLFREQALERT 5
      NOTIFYFLAG ONBATT SYSLOG+WALL+EXEC
      NOTIFYFLAG ONLINE SYSLOG+WALL+EXEC
      NOTIFYFLAG COMMBAD SYSLOG+WALL+EXEC
      NOTIFYFLAG COMMOK SYSLOG+WALL+EXEC
      """
    And this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 30
      AT ONLINE * CANCEL-TIMER onbattwarn
      AT ONLINE * EXECUTE ups-back-on-power
      AT COMMBAD * START-TIMER commbad 60
      AT COMMOK * CANCEL-TIMER commbad
      """

  Scenario: A single short blip runs only the back-on-line command
    When the lab runs for 1 minute
    And mains power fails
    And 10 seconds pass
    And mains power returns
    And 2 minutes pass
    Then upsmon notified ONBATT 1 time
    And upsmon notified ONLINE 1 time
    And CMDSCRIPT never ran "onbattwarn"
    And CMDSCRIPT ran "ups-back-on-power" 1 time
    And the host did not shut down

  @flapping
  Scenario: Flapping mains never runs the delayed command
    When the lab runs for 1 minute
    And mains flaps 5 times every 20 seconds
    And 5 minutes pass
    Then upsmon notified ONBATT 5 times
    And upsmon notified ONLINE 5 times
    And CMDSCRIPT never ran "onbattwarn"
    And CMDSCRIPT ran "ups-back-on-power" 5 times
    And the host did not shut down

  @flapping
  Scenario: Each return to mains runs the back-on-line command
    When mains flaps 3 times every 40 seconds
    And 2 minutes pass
    Then CMDSCRIPT ran "ups-back-on-power" 3 times
    And the timer "onbattwarn" was started 3 times
    And the timer "onbattwarn" was cancelled 3 times

  Scenario: A real outage runs the delayed command exactly once
    When mains power fails
    And 5 minutes pass
    Then CMDSCRIPT ran "onbattwarn" 1 time
    And CMDSCRIPT ran "onbattwarn" within 40 seconds of the outage

  @flapping
  Scenario: Flaps faster than POLLFREQ are not seen at all
    When the lab runs for 1 minute
    And mains flaps 10 times every 2 seconds
    And 2 minutes pass
    Then upsmon notified ONBATT at most 4 times
    And CMDSCRIPT never ran "onbattwarn"
    And the host did not shut down

  @cable @flapping
  Scenario: A flaky cable gives COMMBAD/COMMOK storms that upssched absorbs
    When the lab runs for 1 minute
    And the UPS cable flaps 4 times every 40 seconds
    And 3 minutes pass
    Then upsmon notified COMMBAD at least 2 times
    And upsmon notified COMMOK at least 2 times
    And CMDSCRIPT never ran "commbad"

  @cable
  Scenario: A cable pulled for good runs the commbad command
    When the lab runs for 1 minute
    And the UPS cable is pulled
    And 3 minutes pass
    Then upsmon notified COMMBAD 1 time
    And CMDSCRIPT ran "commbad" 1 time
    And the host did not shut down

  @cable
  Scenario: An outage during a cable problem still shuts down after DEADTIME
    When the lab runs for 1 minute
    And mains power fails
    And 10 seconds pass
    And the UPS cable is pulled
    And 2 minutes pass
    Then the host shut down
    And upsmon logged "Promoting dead UPS"

  Scenario Outline: NOTIFYFLAG decides where a notification goes
    Given this upsmon.conf line: "NOTIFYFLAG ONBATT <flags>"
    When mains power fails
    And 10 seconds pass
    Then the ONBATT notification went to syslog: <syslog>, wall: <wall>, exec: <exec>

    Examples:
      | flags              | syslog | wall | exec |
      | SYSLOG             | yes    | no   | no   |
      | WALL               | no     | yes  | no   |
      | EXEC               | no     | no   | yes  |
      | SYSLOG+WALL        | yes    | yes  | no   |
      | SYSLOG+WALL+EXEC   | yes    | yes  | yes  |
      | IGNORE             | no     | no   | no   |
      | SYSLOG+IGNORE      | no     | no   | no   |

  @realtime
  Scenario: NOTIFYMSG replaces the stock message with the UPS name in %s
    Given this upsmon.conf line: 'NOTIFYMSG ONBATT "Power lost on %s, stay calm"'
    When 2 seconds pass
    And mains power fails
    And 10 seconds pass
    Then the ONBATT notification says "Power lost on eaton@localhost, stay calm"

  @realtime
  Scenario: The stock message names the UPS
    When 2 seconds pass
    And mains power fails
    And 10 seconds pass
    Then the ONBATT notification says "UPS eaton@localhost on battery"

  # The @realtime scenarios also run as real processes in real time
  # (tests/faithful: our binaries, and real NUT 2.8.0's upsmon + upssched),
  # so their timings are seconds: 1 s polls, a 4 s warning timer.
  @realtime
  Scenario: A short blip runs only the back-on-line command (real-time timings)
    Given this upsmon.conf line: "POLLFREQ 1"
    And this upsmon.conf line: "POLLFREQALERT 1"
    And this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 4
      AT ONLINE * CANCEL-TIMER onbattwarn
      AT ONLINE * EXECUTE ups-back-on-power
      AT COMMBAD * START-TIMER commbad 10
      AT COMMOK * CANCEL-TIMER commbad
      """
    When 2 seconds pass
    And mains power fails
    And 2 seconds pass
    And mains power returns
    And 5 seconds pass
    Then upsmon notified ONBATT 1 time
    And upsmon notified ONLINE 1 time
    And CMDSCRIPT never ran "onbattwarn"
    And CMDSCRIPT ran "ups-back-on-power" 1 time
    And the host did not shut down

  @realtime @flapping
  Scenario: Flapping mains never runs the delayed command (real-time timings)
    Given this upsmon.conf line: "POLLFREQ 1"
    And this upsmon.conf line: "POLLFREQALERT 1"
    And this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 4
      AT ONLINE * CANCEL-TIMER onbattwarn
      AT ONLINE * EXECUTE ups-back-on-power
      AT COMMBAD * START-TIMER commbad 10
      AT COMMOK * CANCEL-TIMER commbad
      """
    When 2 seconds pass
    And mains flaps 3 times every 4 seconds
    And 4 seconds pass
    Then upsmon notified ONBATT 3 times
    And upsmon notified ONLINE 3 times
    And CMDSCRIPT never ran "onbattwarn"
    And CMDSCRIPT ran "ups-back-on-power" 3 times
    And the timer "onbattwarn" was started 3 times
    And the timer "onbattwarn" was cancelled 3 times

  @realtime
  Scenario: A real outage runs the delayed command exactly once (real-time timings)
    Given this upsmon.conf line: "POLLFREQ 1"
    And this upsmon.conf line: "POLLFREQALERT 1"
    And this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 4
      AT ONLINE * CANCEL-TIMER onbattwarn
      AT ONLINE * EXECUTE ups-back-on-power
      AT COMMBAD * START-TIMER commbad 10
      AT COMMOK * CANCEL-TIMER commbad
      """
    When 2 seconds pass
    And mains power fails
    And 8 seconds pass
    Then CMDSCRIPT ran "onbattwarn" 1 time
    And CMDSCRIPT ran "onbattwarn" within 6 seconds of the outage
    And CMDSCRIPT never ran "ups-back-on-power"

  @realtime @cable
  Scenario: A cable pulled on line gives COMMBAD, and COMMOK once plugged back (real-time timings)
    Given this upsmon.conf line: "POLLFREQ 1"
    And this upsmon.conf line: "POLLFREQALERT 1"
    And this upssched.conf:
      """
      CMDSCRIPT upssched-cmd
      PIPEFN /run/nut/upssched.pipe
      LOCKFN /run/nut/upssched.lock
      AT ONBATT * START-TIMER onbattwarn 4
      AT ONLINE * CANCEL-TIMER onbattwarn
      AT ONLINE * EXECUTE ups-back-on-power
      AT COMMBAD * START-TIMER commbad 10
      AT COMMOK * CANCEL-TIMER commbad
      """
    When 2 seconds pass
    And the UPS cable is pulled
    And 5 seconds pass
    And the UPS cable is plugged back
    And 4 seconds pass
    Then upsmon notified COMMBAD 1 time
    And upsmon notified COMMOK 1 time
    And CMDSCRIPT never ran "commbad"
    And the host did not shut down
