import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { __resetManager } from '@twilio/flex-ui';

import UssdTaskInfo from '../components/UssdTaskInfo/UssdTaskInfo';
import * as attributes from '../utils/attributes';
import {
  askedThreeTimes,
  customMenuAttributes,
  customMenuWithoutPinned,
  demoAttributesEnglish,
  demoAttributesFrench,
  makeTask,
  repeatAttributes,
  repeatUpdate,
} from './fixtures';

const formatted = (iso, locale) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

const rowsIn = (element) =>
  within(element)
    .getAllByRole('term')
    .map((term) => [term.textContent, term.nextSibling.textContent]);

const rowsOf = (testId) => rowsIn(screen.getByTestId(testId));

const timeOf = (iso, locale) => new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(iso));

describe('UssdTaskInfo', () => {
  beforeEach(() => {
    __resetManager();
  });

  it('shows support_type first, among the four demo-menu answers', () => {
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

    const primary = rowsOf('ussd-primary-answers');
    expect(primary.map(([term]) => term)).toEqual(['Language', 'Location', 'Support type', 'Call back requested']);
    const supportType = screen.getByTestId('ussd-field-support_type');
    expect(within(supportType).getByRole('definition')).toHaveTextContent(/^Shelter/);
    expect(within(supportType).getByRole('definition')).toHaveTextContent('caller chose “Abri”');
  });

  it('offers no call back to a caller whose number the network hides (callable: false)', () => {
    const { from, ...withoutNumber } = demoAttributesEnglish;
    render(
      <UssdTaskInfo
        task={makeTask({ ...withoutNumber, name: 'Masked number (reply by USSD)', callable: false, callback: 'Yes' })}
      />,
    );
    expect(screen.getByTestId('ussd-not-callable')).toHaveTextContent('cannot be called');
    expect(screen.queryByRole('button', { name: /call back/i })).toBeNull();
  });

  it('keeps the call back for a caller with a number', () => {
    render(<UssdTaskInfo task={makeTask({ ...demoAttributesEnglish, callback: 'Yes' })} />);
    expect(screen.queryByTestId('ussd-not-callable')).toBeNull();
    expect(screen.getByRole('button', { name: /call back/i })).toBeInTheDocument();
  });

  it('renders an English demo-menu task for an English-speaking agent', () => {
    render(<UssdTaskInfo task={makeTask(demoAttributesEnglish)} />);

    expect(screen.getByRole('heading', { name: 'USSD request' })).toBeInTheDocument();
    expect(rowsOf('ussd-primary-answers')).toEqual([
      ['Language', 'English'],
      ['Location', 'Nairobi'],
      ['Support type', 'Food and clothing'],
      ['Call back requested', 'No'],
    ]);
    // the four answers are not repeated as "other answers"
    expect(screen.queryByTestId('ussd-other-answers')).not.toBeInTheDocument();
    // callback "No": no call-back button
    expect(screen.queryByRole('button')).not.toBeInTheDocument();

    // Jest runs with TZ=UTC (jest.config.js): 10:15Z is 10:15 local time.
    const submitted = formatted('2026-11-24T10:15:00Z', 'en-US');
    expect(submitted).toMatch(/^Nov 24, 2026, 10:15\sAM$/);
    const details = Object.fromEntries(rowsOf('ussd-details'));
    expect(details).toEqual({
      // grouped as Kenya writes it
      Caller: '+254 712 345678',
      'Service code': '*384*12#',
      Menu: 'Demo hotline (version 1)',
      Submitted: submitted,
      'USSD session': 'ATUid_5678',
    });
    const time = screen.getByText(submitted);
    expect(time.tagName).toBe('TIME');
    expect(time).toHaveAttribute('datetime', '2026-11-24T10:15:00.000Z');
  });

  it('renders a French demo-menu task in French for a French-speaking agent', () => {
    __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

    expect(screen.getByRole('heading', { name: 'Demande USSD' })).toBeInTheDocument();
    // the caller's own words (a French caller), the language named in French: no English value
    expect(rowsOf('ussd-primary-answers')).toEqual([
      ['Langue', 'Français'],
      ['Lieu', 'Dakar'],
      ['Type d’aide', 'Abri'],
      ['Rappel demandé', 'Oui'],
    ]);
    expect(screen.getByRole('button', { name: /Rappeler le \+221 77 123 45 67/ })).toBeInTheDocument();

    const details = Object.fromEntries(rowsOf('ussd-details'));
    expect(details['Code de service']).toBe('*123*456#');
    expect(details.Menu).toBe('Demo hotline (version 1)');
    expect(details['Envoyée le']).toBe(formatted('2026-11-24T10:15:00Z', 'fr-FR'));
    expect(details['Envoyée le']).toMatch(/24 nov\.? 2026/);
  });

  it('renders a French task for an English-speaking agent with the caller’s own wording', () => {
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

    expect(rowsOf('ussd-primary-answers')).toEqual([
      ['Language', 'French (caller chose “Français”)'],
      ['Location', 'Dakar'],
      ['Support type', 'Shelter (caller chose “Abri”)'],
      ['Call back requested', 'Yes (caller chose “Oui”)'],
    ]);
    expect(screen.getByRole('button', { name: /Call back \+221 77 123 45 67/ })).toBeInTheDocument();
  });

  it('follows navigator.language when Flex has no locale', () => {
    __resetManager({ localization: undefined });
    const spy = jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('fr-SN');
    try {
      render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);
      expect(screen.getByRole('heading', { name: 'Demande USSD' })).toBeInTheDocument();
    } finally {
      spy.mockRestore();
    }
  });

  it('lets an administrator override a string through manager.strings', () => {
    __resetManager({ strings: { UssdFieldSupportType: 'Kind of help' } });
    render(<UssdTaskInfo task={makeTask(demoAttributesEnglish)} />);
    expect(screen.getByText('Kind of help')).toBeInTheDocument();
  });

  it('shows every other answer of a custom menu with its label', () => {
    render(<UssdTaskInfo task={makeTask(customMenuAttributes)} />);

    expect(rowsOf('ussd-other-answers')).toEqual([
      ['Household size', '5'],
      ['Needs medical care', 'Yes, urgently (urgent)'],
      ['District', 'Kibera'],
    ]);
    expect(Object.fromEntries(rowsOf('ussd-details')).Menu).toBe('Flood response (version 3)');
    // the primary four still come first and are not repeated
    expect(rowsOf('ussd-primary-answers').map(([term]) => term)).toEqual([
      'Language',
      'Location',
      'Support type',
      'Call back requested',
    ]);
  });

  it('shows answers added by a later task update', () => {
    const task = makeTask(demoAttributesEnglish);
    const { rerender } = render(<UssdTaskInfo task={task} />);
    expect(screen.queryByTestId('ussd-other-answers')).not.toBeInTheDocument();

    const updated = makeTask({
      ...demoAttributesEnglish,
      answers: [...demoAttributesEnglish.answers, { key: 'comment', label: 'Please hurry', value: 'Please hurry' }],
    });
    rerender(<UssdTaskInfo task={updated} />);
    expect(rowsOf('ussd-other-answers')).toEqual([['Comment', 'Please hurry']]);
  });

  it('renders a task with missing attributes with a short notice and dashes', () => {
    render(<UssdTaskInfo task={makeTask({ channel: 'ussd' })} />);

    // no row for a question the request does not answer
    expect(screen.queryByTestId('ussd-primary-answers')).not.toBeInTheDocument();
    expect(screen.getByText('No answers came with this request.')).toBeInTheDocument();
    expect(Object.values(Object.fromEntries(rowsOf('ussd-details')))).toEqual(['—', '—', '—', '—', '—']);
    expect(screen.queryByTestId('ussd-other-answers')).not.toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('renders malformed attributes without crashing', () => {
    const malformed = {
      channel: 'ussd',
      from: 12345,
      language: { nested: true },
      location: ['Dakar'],
      support_type: null,
      callback: 'Yes',
      answers: 'language=French',
      menu: 'Old menu',
      menu_version: 'two',
      submitted_at: 'yesterday-ish',
      service_code: '',
    };
    render(<UssdTaskInfo task={makeTask(malformed)} />);

    // only the pinned field that has a value; unreadable ones are not made into "Not given"
    expect(rowsOf('ussd-primary-answers')).toEqual([['Call back requested', 'Yes']]);
    // `answers` that is not a list is said, not dropped silently
    expect(screen.getByTestId('ussd-answers-unreadable')).toHaveTextContent('Some answers could not be read.');
    const details = Object.fromEntries(rowsOf('ussd-details'));
    expect(details).toMatchObject({ Caller: '12345', Menu: 'Old menu', Submitted: '—', 'Service code': '—' });
  });

  it('renders odd entries inside answers without crashing', () => {
    const attributes = {
      channel: 'ussd',
      answers: [null, 42, 'free text', { key: 'location', value: 'Thiès' }, { label: 'no key' }, [], {}, true],
    };
    render(<UssdTaskInfo task={makeTask(attributes)} />);

    expect(Object.fromEntries(rowsOf('ussd-primary-answers')).Location).toBe('Thiès');
    expect(rowsOf('ussd-other-answers')).toEqual([
      ['Answer 1', '42'],
      ['Answer 2', 'free text'],
      ['Answer 3', 'no key'],
    ]);
  });

  it.each([
    ['no task', undefined],
    ['a task without attributes', { taskSid: 'WT1' }],
    ['attributes that are null', { taskSid: 'WT1', attributes: null }],
    ['attributes that are a JSON string', { taskSid: 'WT1', attributes: JSON.stringify(demoAttributesEnglish) }],
  ])('renders %s without crashing', (label, task) => {
    render(<UssdTaskInfo task={task} />);
    expect(screen.getByTestId('ussd-task-info')).toBeInTheDocument();
    // at least the five request details (the answers only when there are some)
    expect(rowsOf('ussd-details')).toHaveLength(5);
    expect(screen.getAllByRole('term').length).toBeGreaterThanOrEqual(5);
  });

  it('hides the call-back button in the supervisor view', () => {
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} showCallback={false} />);
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
    expect(screen.getByText('Shelter', { exact: false })).toBeInTheDocument();
  });

  it('shows a short message instead of crashing Flex if rendering ever throws', () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    const read = jest.spyOn(attributes, 'readUssdTask').mockImplementation(() => {
      throw new TypeError('unexpected shape near "+221771234567"');
    });
    try {
      render(<UssdTaskInfo task={makeTask(demoAttributesEnglish)} />);
      expect(screen.getByTestId('ussd-task-info-fallback')).toHaveTextContent(
        'This USSD request could not be displayed in full.',
      );
      // our own log line names the kind of error, not its message (it may quote the caller)
      expect(error).toHaveBeenCalledWith('[plugin-ussd] could not render the USSD task panel:', 'TypeError');
    } finally {
      read.mockRestore();
      error.mockRestore();
    }
  });

  describe('reading the panel (issue 14, finding 11)', () => {
    /** The CSS rules that apply to an element (Paste styles through emotion). */
    const cssOf = (element) =>
      Array.from(document.styleSheets)
        .flatMap((sheet) => Array.from(sheet.cssRules))
        .filter((rule) => rule.selectorText && element.matches(rule.selectorText))
        .map((rule) => rule.cssText)
        .join('\n');

    it('shows a French agent the caller’s own words or translated values, never English ones', () => {
      __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
      const attributes = {
        ...demoAttributesFrench,
        answers: [
          ...demoAttributesFrench.answers,
          { key: 'household_size', label: '4', value: '4' },
          { key: 'safe_to_call', label: 'Non', value: 'No' },
        ],
      };
      render(<UssdTaskInfo task={makeTask(attributes)} />);

      const rows = rowsOf('ussd-primary-answers');
      expect(rows).toEqual([
        ['Langue', 'Français'],
        ['Lieu', 'Dakar'],
        ['Type d’aide', 'Abri'],
        ['Rappel demandé', 'Oui'],
      ]);
      expect(JSON.stringify(rows)).not.toMatch(/French|Shelter|Yes/);
      expect(rowsOf('ussd-other-answers')).toEqual([
        ['Household size', '4'],
        ['Safe to call', 'Non (No)'],
      ]);
    });

    it('names the caller’s language in the agent’s language', () => {
      __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
      render(<UssdTaskInfo task={makeTask({ ...demoAttributesEnglish, language: 'Wolof', answers: [] })} />);
      expect(Object.fromEntries(rowsOf('ussd-primary-answers')).Langue).toBe('Wolof');
      expect(Object.fromEntries(rowsOf('ussd-primary-answers'))['Type d’aide']).toBe('Food and clothing');
    });

    it('lines labels and values up in two columns', () => {
      render(<UssdTaskInfo task={makeTask(customMenuAttributes)} />);

      const rows = screen.getAllByRole('term').map((term) => term.parentNode);
      rows.forEach((row) => {
        expect(row.children).toHaveLength(2);
        expect(cssOf(row)).toMatch(/display: grid;/);
        expect(cssOf(row)).toMatch(/grid-template-columns: minmax\(0, 2fr\) minmax\(0, 3fr\);/);
      });
    });

    it('groups the caller’s number as the country writes it', () => {
      render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);
      expect(Object.fromEntries(rowsOf('ussd-details')).Caller).toBe('+221 77 123 45 67');
      expect(screen.getByRole('button', { name: 'Call back +221 77 123 45 67' })).toBeInTheDocument();
    });

    it('wraps a long session id inside its column instead of overflowing a narrow panel', () => {
      const long = `ATUid_${'0123456789abcdef'.repeat(4)}`;
      render(<UssdTaskInfo task={makeTask({ ...demoAttributesEnglish, ussd_session_id: long })} />);

      const value = screen.getByText(long);
      expect(value.tagName).toBe('DD');
      expect(cssOf(value)).toMatch(/word-break: break-word;/);
      expect(cssOf(value.parentNode)).toMatch(/minmax\(0, 3fr\)/);
    });

    it('shows only the pinned fields a custom menu asked', () => {
      render(<UssdTaskInfo task={makeTask(customMenuWithoutPinned)} />);

      // language comes from the session; callback was asked; location and support type never were
      expect(rowsOf('ussd-primary-answers')).toEqual([
        ['Language', 'English'],
        ['Call back requested', 'No'],
      ]);
      expect(screen.queryByText('Support type')).not.toBeInTheDocument();
      expect(screen.queryByText('Not given')).not.toBeInTheDocument();
    });

    it('does not repeat a value that equals its label but for case ("No", not "No (no)")', () => {
      render(<UssdTaskInfo task={makeTask(customMenuWithoutPinned)} />);
      expect(rowsOf('ussd-other-answers')).toEqual([
        ['Household size', '5'],
        ['Safe to call', 'No'],
      ]);
    });

    it('offers no call back on a task from the menu simulator', () => {
      render(<UssdTaskInfo task={makeTask({ ...demoAttributesFrench, simulation: true })} />);
      expect(screen.getByTestId('ussd-simulation-notice')).toBeInTheDocument();
      expect(Object.fromEntries(rowsOf('ussd-primary-answers'))['Call back requested']).toBe(
        'Yes (caller chose “Oui”)',
      );
      expect(screen.queryByRole('button')).not.toBeInTheDocument();
    });

    it('says so when answers is not a list, instead of showing nothing', () => {
      render(<UssdTaskInfo task={makeTask({ ...demoAttributesEnglish, answers: { language: 'English' } })} />);
      expect(screen.getByTestId('ussd-answers-unreadable')).toHaveTextContent('Some answers could not be read.');
      // the pinned attributes still show
      expect(Object.fromEntries(rowsOf('ussd-primary-answers')).Location).toBe('Nairobi');
    });

    it('says so in French too', () => {
      __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
      render(<UssdTaskInfo task={makeTask({ ...demoAttributesEnglish, answers: 'language=English' })} />);
      expect(screen.getByTestId('ussd-answers-unreadable')).toHaveTextContent(
        'Certaines réponses n’ont pas pu être lues.',
      );
    });
  });

  describe('test requests from the menu simulator (`simulation`)', () => {
    const simulated = { ...demoAttributesFrench, simulation: true };

    it('shows a notice at the top when simulation is true', () => {
      render(<UssdTaskInfo task={makeTask(simulated)} />);

      const notice = screen.getByRole('status');
      expect(notice).toHaveAttribute('data-testid', 'ussd-simulation-notice');
      expect(notice).toHaveTextContent('Test request from the menu simulator: no caller is waiting.');
      // the warning icon's accessible label
      expect(within(notice).getByTitle('(warning)')).toBeInTheDocument();
      // right under the panel title, above the answers
      const panel = screen.getByTestId('ussd-task-info');
      expect(panel.firstChild).toBe(screen.getByRole('heading', { name: 'USSD request' }));
      expect(notice.compareDocumentPosition(screen.getByTestId('ussd-primary-answers'))).toBe(
        Node.DOCUMENT_POSITION_FOLLOWING,
      );
      // the rest of the request is still shown
      expect(Object.fromEntries(rowsOf('ussd-primary-answers')).Location).toBe('Dakar');
    });

    it('shows the notice in French for a French-speaking agent', () => {
      __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
      render(<UssdTaskInfo task={makeTask(simulated)} />);

      const notice = screen.getByRole('status');
      expect(notice).toHaveTextContent(
        'Demande de test envoyée depuis le simulateur de menu : aucun appelant n’attend.',
      );
      expect(within(notice).getByTitle('(avertissement)')).toBeInTheDocument();
    });

    it('shows the notice in the supervisor view too', () => {
      render(<UssdTaskInfo task={makeTask(simulated)} showCallback={false} />);
      expect(screen.getByTestId('ussd-simulation-notice')).toBeInTheDocument();
    });

    it('reads simulation from attributes given as a JSON string', () => {
      render(<UssdTaskInfo task={{ taskSid: 'WT1', attributes: JSON.stringify(simulated) }} />);
      expect(screen.getByRole('status')).toHaveTextContent('no caller is waiting');
    });

    it('lets an administrator override the notice through manager.strings', () => {
      __resetManager({ strings: { UssdSimulationNotice: 'Menu test: nobody is on the line.' } });
      render(<UssdTaskInfo task={makeTask(simulated)} />);
      expect(screen.getByRole('status')).toHaveTextContent('Menu test: nobody is on the line.');
    });

    it.each([
      ['missing', undefined],
      ['false', false],
      ['the string "true"', 'true'],
      ['1', 1],
      ['null', null],
      ['an object', { enabled: true }],
    ])('shows no notice when simulation is %s', (label, simulation) => {
      const task = makeTask({ ...demoAttributesEnglish, simulation });
      if (simulation === undefined) {
        delete task.attributes.simulation;
      }
      render(<UssdTaskInfo task={task} />);

      expect(screen.getByTestId('ussd-task-info')).toBeInTheDocument();
      expect(screen.queryByTestId('ussd-simulation-notice')).not.toBeInTheDocument();
      expect(screen.queryByRole('status')).not.toBeInTheDocument();
      expect(screen.queryByText(/menu simulator/)).not.toBeInTheDocument();
    });

    it('removes the notice when a task update drops the attribute', () => {
      const { rerender } = render(<UssdTaskInfo task={makeTask(simulated)} />);
      expect(screen.getByTestId('ussd-simulation-notice')).toBeInTheDocument();

      rerender(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);
      expect(screen.queryByTestId('ussd-simulation-notice')).not.toBeInTheDocument();
    });
  });

  describe('repeat requests (`updates`)', () => {
    const requestTitles = () =>
      screen.getAllByTestId('ussd-request').map((section) => section.getAttribute('aria-label'));

    it('shows the latest answers at the top with "Asked 3 times" and what changed since the previous request', () => {
      render(<UssdTaskInfo task={makeTask(askedThreeTimes)} />);

      const asked = screen.getByTestId('ussd-asked-again');
      expect(asked).toHaveTextContent('Asked 3 times');
      expect(asked).toHaveTextContent(
        `Latest answers first (request 3, ${timeOf('2026-11-24T11:30:00Z', 'en-US')}). Every request is listed below.`,
      );
      // above the answers
      expect(asked.compareDocumentPosition(screen.getByTestId('ussd-primary-answers'))).toBe(
        Node.DOCUMENT_POSITION_FOLLOWING,
      );
      // the latest answers, not the first request's (Dakar · Shelter); the value
      // before each change is written out, not only in a tooltip
      expect(rowsOf('ussd-primary-answers')).toEqual([
        ['Language', 'English'],
        ['Location', 'Touba changed in request 2, was “Dakar”'],
        ['Support type', 'Food and clothing changed in request 3, was “Legal”'],
        // the call back came from a repeat request, and says so
        ['Call back requested', 'Yes changed in request 2, was “No”'],
      ]);
      expect(screen.getAllByTestId('ussd-latest-change').every((note) => !note.hasAttribute('title'))).toBe(true);
      // what changed in the latest request stands out
      const supportType = screen.getByTestId('ussd-field-support_type');
      expect(within(supportType).getByText('Food and clothing').tagName).toBe('STRONG');
      expect(within(screen.getByTestId('ussd-field-location')).getByText('Touba').tagName).not.toBe('STRONG');
      expect(screen.getByRole('button', { name: /Call back \+221 77 123 45 67/ })).toBeInTheDocument();
      // the first request's time and session stay in the details, named as the first request's
      const details = Object.fromEntries(rowsOf('ussd-details'));
      expect(details['First request']).toBe(formatted('2026-11-24T10:15:00Z', 'en-US'));
      expect(details['USSD session']).toBe('ATUid_1000');
    });

    it('lists every request newest first, each compared with the previous one', () => {
      render(<UssdTaskInfo task={makeTask(askedThreeTimes)} />);

      const all = screen.getByRole('region', { name: 'Every request (3)' });
      expect(screen.getByTestId('ussd-details').compareDocumentPosition(all)).toBe(Node.DOCUMENT_POSITION_FOLLOWING);
      expect(requestTitles()).toEqual([
        `Request 3 · ${timeOf('2026-11-24T11:30:00Z', 'en-US')}`,
        `Request 2 · ${timeOf('2026-11-24T11:02:00Z', 'en-US')}`,
        `Request 1 · ${timeOf('2026-11-24T10:15:00Z', 'en-US')}`,
      ]);
      const [third, second, first] = screen.getAllByTestId('ussd-request');
      // compared with request 2 (Legal), not with the first request (Shelter)
      expect(rowsIn(third)).toEqual([
        ['Language', 'English'],
        ['Location', 'Touba'],
        ['Support type', 'Food and clothing was “Legal”'],
        ['Call back requested', 'Yes'],
      ]);
      expect(rowsIn(second)).toEqual([
        ['Language', 'English'],
        ['Location', 'Touba was “Dakar”'],
        ['Support type', 'Legal was “Shelter”'],
        ['Call back requested', 'Yes was “No”'],
      ]);
      expect(rowsIn(first)).toEqual([
        ['Language', 'English'],
        ['Location', 'Dakar'],
        ['Support type', 'Shelter'],
        ['Call back requested', 'No'],
      ]);
      expect(within(third).getByText('USSD session ATUid_1002')).toBeInTheDocument();
      expect(within(first).getByText('USSD session ATUid_1000')).toBeInTheDocument();
      expect(within(second).getAllByTestId('ussd-changed')).toHaveLength(3);
      expect(within(first).queryByTestId('ussd-changed')).not.toBeInTheDocument();
    });

    it('says a call back first asked for in a repeat request was added there', () => {
      const attributes = {
        ...askedThreeTimes,
        answers: askedThreeTimes.answers.filter((answer) => answer.key !== 'callback'),
      };
      render(<UssdTaskInfo task={makeTask(attributes)} />);
      expect(Object.fromEntries(rowsOf('ussd-primary-answers'))['Call back requested']).toBe(
        'Yes added in request 2',
      );
    });

    it('offers no call back when the latest request no longer asks for one', () => {
      const [firstRepeat, latest] = askedThreeTimes.updates;
      const attributes = {
        ...askedThreeTimes,
        updates: [
          firstRepeat,
          { ...latest, answers: latest.answers.map((a) => (a.key === 'callback' ? { ...a, label: 'No', value: 'No' } : a)) },
        ],
      };
      render(<UssdTaskInfo task={makeTask(attributes)} />);
      expect(Object.fromEntries(rowsOf('ussd-primary-answers'))['Call back requested']).toBe(
        'No changed in request 3, was “Yes”',
      );
      expect(screen.queryByRole('button')).not.toBeInTheDocument();
    });

    it('shows a repeat request in French for a French-speaking agent', () => {
      __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
      render(<UssdTaskInfo task={makeTask(repeatAttributes)} />);

      const time = timeOf('2026-11-24T11:02:00Z', 'fr-FR');
      expect(time).toBe('11:02');
      expect(screen.getByTestId('ussd-asked-again')).toHaveTextContent('Demandé 2 fois');
      expect(screen.getByTestId('ussd-asked-again')).toHaveTextContent(
        'Dernières réponses en premier (demande 2, 11:02). Chaque demande est listée plus bas.',
      );
      expect(rowsOf('ussd-primary-answers')).toEqual([
        // an English-speaking caller: the language named in French, with the caller's word
        ['Langue', 'Anglais (choix de l’appelant : « English »)'],
        ['Lieu', 'Touba modifié dans la demande 2, avant : « Nairobi »'],
        ['Type d’aide', 'Legal modifié dans la demande 2, avant : « Food and clothing »'],
        ['Rappel demandé', 'Oui (choix de l’appelant : « Yes ») modifié dans la demande 2, avant : « Non »'],
      ]);
      expect(screen.getByRole('region', { name: 'Toutes les demandes (2)' })).toBeInTheDocument();
      const section = screen.getByRole('region', { name: 'Demande 2 · 11:02' });
      expect(within(section).getByRole('heading', { name: 'Demande 2 · 11:02' })).toBeInTheDocument();
      expect(rowsIn(section)).toEqual([
        ['Langue', 'Anglais (choix de l’appelant : « English »)'],
        ['Lieu', 'Touba avant : « Nairobi »'],
        ['Type d’aide', 'Legal avant : « Food and clothing »'],
        ['Rappel demandé', 'Oui (choix de l’appelant : « Yes ») avant : « Non »'],
      ]);
      expect(within(section).getByText('Session USSD ATUid_999')).toBeInTheDocument();
      expect(Object.fromEntries(rowsOf('ussd-details'))['Première demande']).toBe(
        formatted('2026-11-24T10:15:00Z', 'fr-FR'),
      );
    });

    it('marks only the values that differ from the caller’s previous answer', () => {
      const attributes = {
        ...demoAttributesFrench,
        answers: [...demoAttributesFrench.answers, { key: 'district', label: 'Médina', value: 'Medina' }],
        updates: [
          {
            submitted_at: '2026-11-24T10:40:00Z',
            ussd_session_id: 'ATUid_2000',
            answers: [
              // same value, other wording and case: not a change
              { key: 'language', label: 'French', value: 'french' },
              { key: 'location', label: 'Dakar', value: 'Dakar' },
              { key: 'support_type', label: 'Santé', value: 'Health' },
              { key: 'callback', label: 'Oui', value: 'Yes' },
              { key: 'district', label: 'Plateau', value: 'Plateau' },
              // nothing to compare with in the first request: not a change
              { key: 'household_size', label: '4', value: '4' },
            ],
          },
          {
            ...repeatUpdate,
            answers: [
              { key: 'location', label: 'Touba', value: 'Touba' },
              { key: 'support_type', label: 'Juridique', value: 'Legal' },
            ],
          },
        ],
      };
      render(<UssdTaskInfo task={makeTask(attributes)} />);

      expect(requestTitles()).toEqual([
        `Request 3 · ${timeOf('2026-11-24T11:02:00Z', 'en-US')}`,
        `Request 2 · ${timeOf('2026-11-24T10:40:00Z', 'en-US')}`,
        `Request 1 · ${timeOf('2026-11-24T10:15:00Z', 'en-US')}`,
      ]);
      const [third, second] = screen.getAllByTestId('ussd-request');
      expect(rowsIn(second)).toEqual([
        ['Language', 'French'],
        ['Location', 'Dakar'],
        ['Support type', 'Health (caller chose “Santé”) was “Shelter”'],
        ['Call back requested', 'Yes (caller chose “Oui”)'],
        ['District', 'Plateau was “Médina”'],
        ['Household size', '4'],
      ]);
      // the changed value itself is bold, and what it was is written next to it
      const supportType = within(second).getAllByRole('definition')[2];
      expect(within(supportType).getByText('Health').tagName).toBe('STRONG');
      expect(within(supportType).getByTestId('ussd-changed')).toHaveTextContent('was “Shelter”');
      expect(within(second).getByText('Dakar').tagName).not.toBe('STRONG');
      expect(within(second).getAllByTestId('ussd-changed')).toHaveLength(2);
      // each repeat request is compared with the previous answer, not with the first request's
      expect(rowsIn(third)).toEqual([
        ['Location', 'Touba was “Dakar”'],
        ['Support type', 'Legal (caller chose “Juridique”) was “Health”'],
      ]);
      // at the top: the latest of every answer, with where it changed
      expect(rowsOf('ussd-primary-answers')).toEqual([
        ['Language', 'French'],
        ['Location', 'Touba changed in request 3, was “Dakar”'],
        ['Support type', 'Legal (caller chose “Juridique”) changed in request 3, was “Health”'],
        ['Call back requested', 'Yes (caller chose “Oui”)'],
      ]);
      expect(rowsOf('ussd-other-answers')).toEqual([
        ['District', 'Plateau changed in request 2, was “Médina”'],
        ['Household size', '4 added in request 2'],
      ]);
    });

    it('skips empty entries of updates instead of adding empty sections', () => {
      const attributes = {
        ...demoAttributesEnglish,
        updates: [{}, { answers: [] }, { submitted_at: '2026-11-24T11:02:00Z', ussd_session_id: 'ATUid_3', answers: [{}] }],
      };
      render(<UssdTaskInfo task={makeTask(attributes)} />);

      // no section at all: only the panel's own headings
      expect(screen.getAllByRole('heading').map((heading) => heading.textContent)).toEqual([
        'USSD request',
        'Reply to the caller',
        'Request details',
      ]);
      expect(screen.queryByTestId('ussd-request')).not.toBeInTheDocument();
      expect(screen.queryByTestId('ussd-requests')).not.toBeInTheDocument();
      expect(screen.queryByTestId('ussd-asked-again')).not.toBeInTheDocument();
      expect(Object.fromEntries(rowsOf('ussd-details')).Submitted).toBe(formatted('2026-11-24T10:15:00Z', 'en-US'));
    });

    it('renders malformed updates without crashing', () => {
      const variants = ['Touba', 42, null, { answers: [] }, true];
      variants.forEach((updates) => {
        const { unmount } = render(<UssdTaskInfo task={makeTask({ ...demoAttributesEnglish, updates })} />);
        expect(screen.getByTestId('ussd-task-info')).toBeInTheDocument();
        expect(screen.queryByTestId('ussd-request')).not.toBeInTheDocument();
        expect(screen.queryByTestId('ussd-task-info-fallback')).not.toBeInTheDocument();
        unmount();
      });

      const attributes = {
        ...demoAttributesEnglish,
        updates: [
          null,
          'asked again',
          7,
          [],
          {},
          { submitted_at: 'around eleven', ussd_session_id: { id: 1 }, answers: 'location=Touba' },
          { submitted_at: '2026-11-25T08:30:00Z', answers: [null, 5, { key: 'location', label: { x: 1 } }, {}] },
          { submitted_at: ['2026-11-24T11:02:00Z'], answers: [{ key: 'location', value: 'Nairobi' }] },
        ],
      };
      render(<UssdTaskInfo task={makeTask(attributes)} />);

      expect(screen.queryByTestId('ussd-task-info-fallback')).not.toBeInTheDocument();
      expect(screen.getByTestId('ussd-asked-again')).toHaveTextContent('Asked 4 times');
      const sections = screen.getAllByTestId('ussd-request');
      expect(sections).toHaveLength(4);
      const [fourth, third, second, first] = sections;

      // an entry without a time still shows that the caller asked again
      expect(within(fourth).getByRole('heading')).toHaveTextContent(/^Request 4$/);
      expect(rowsIn(fourth)).toEqual([['Location', 'Nairobi']]);

      // another day than the first request: date and time
      expect(within(third).getByRole('heading')).toHaveTextContent(
        `Request 3 · ${formatted('2026-11-25T08:30:00Z', 'en-US')}`,
      );
      expect(rowsIn(third)).toEqual([
        ['Answer 1', '5'],
        ['Location', 'Not given'],
      ]);

      // answers that are not a list: said, not dropped
      expect(within(second).getByRole('heading')).toHaveTextContent(/^Request 2$/);
      expect(within(second).getByTestId('ussd-answers-unreadable')).toHaveTextContent(
        'Some answers could not be read.',
      );
      expect(within(second).queryByText(/USSD session/)).not.toBeInTheDocument();
      expect(within(first).getByText('USSD session ATUid_5678')).toBeInTheDocument();

      // the location never changed
      expect(Object.fromEntries(rowsOf('ussd-primary-answers')).Location).toBe('Nairobi');
    });

    it('reads updates from attributes given as a JSON string', () => {
      render(<UssdTaskInfo task={{ taskSid: 'WT1', attributes: JSON.stringify(repeatAttributes) }} />);
      expect(screen.getAllByTestId('ussd-request')[0]).toHaveAttribute(
        'aria-label',
        `Request 2 · ${timeOf('2026-11-24T11:02:00Z', 'en-US')}`,
      );
    });
  });
});
