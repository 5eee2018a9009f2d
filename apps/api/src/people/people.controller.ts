import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access';
import { PersonView } from './people.dto';
import { PeopleService } from './people.service';

@ApiTags('people')
@Controller('v1/people')
export class PeopleController {
  constructor(private readonly people: PeopleService) {}

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc')
  @ApiOperation({
    summary: 'The people work can be assigned to: staff API tokens and the OIDC subjects the API has seen',
  })
  @ApiOkResponse({ type: [PersonView] })
  list(): Promise<PersonView[]> {
    return this.people.list();
  }
}
