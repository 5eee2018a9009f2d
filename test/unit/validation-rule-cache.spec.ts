import { IsInt, IsOptional, IsString, MaxLength, getMetadataStorage, validate } from 'class-validator';
import { cacheRuleLookups, validationPipe } from '@takedown/api/common/validation';

class Base {
  @IsString()
  @MaxLength(5)
  name!: string;
}

class Derived extends Base {
  @IsOptional()
  @IsInt()
  count?: number;
}

const problems = async (value: object) =>
  (await validate(value, { whitelist: true, forbidNonWhitelisted: true })).map((e) => [
    e.property,
    Object.keys(e.constraints ?? {}).sort(),
  ]);

describe("class-validator's rule lookups, cached", () => {
  beforeAll(() => {
    // As the API installs it; a second call changes nothing.
    validationPipe();
    cacheRuleLookups(getMetadataStorage());
  });

  it('finds the same rules as before, inherited ones included', async () => {
    const storage = getMetadataStorage();
    const first = storage.getTargetValidationMetadatas(Derived, '', false, false);
    expect(storage.getTargetValidationMetadatas(Derived, '', false, false)).toBe(first);
    expect(first.map((r) => `${r.propertyName}:${r.name ?? r.type}`).sort()).toEqual([
      'count:isInt',
      'count:isOptional',
      'name:isString',
      'name:maxLength',
    ]);
    expect(await problems(Object.assign(new Derived(), { name: 'toolong', count: 1.5 }))).toEqual([
      ['count', ['isInt']],
      ['name', ['maxLength']],
    ]);
    expect(await problems(Object.assign(new Derived(), { name: 'ok' }))).toEqual([]);
    // Other options are kept apart: the groups are part of the key.
    expect(storage.getTargetValidationMetadatas(Derived, '', false, false, ['other'])).not.toBe(first);
  });

  it('sees a rule added after a lookup', async () => {
    class Later {
      @IsString()
      name!: string;
      extra?: unknown;
    }
    expect(await problems(Object.assign(new Later(), { name: 'x', extra: 5 }))).toEqual([
      ['extra', ['whitelistValidation']],
    ]);
    IsString()(Later.prototype, 'extra');
    expect(await problems(Object.assign(new Later(), { name: 'x', extra: 5 }))).toEqual([
      ['extra', ['isString']],
    ]);
  });
});
